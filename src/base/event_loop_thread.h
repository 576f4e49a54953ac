// Marks the threads that run an event loop (the HTTP server's I/O threads). Code that could wait
// on another process asks first: a wait there stalls every connection of the loop, and two
// servers whose loops wait on each other would stall until a timeout.
#pragma once

namespace ragdb {

inline thread_local bool t_event_loop_thread = false;

inline void MarkEventLoopThread() { t_event_loop_thread = true; }
inline bool OnEventLoopThread() { return t_event_loop_thread; }

}  // namespace ragdb
