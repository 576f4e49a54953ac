// Helpers shared by the NEON kernel files (src/simd/*_neon.cc, and the index's byte-row kernels
// in src/index/kernels.cc). AArch64 only; NEON is in its baseline, so no target attributes.
#pragma once

#if defined(__aarch64__)

#include <arm_neon.h>

namespace ragdb::simd::neon {

// Sixteen unsigned or signed bytes widened to four float32x4 (lanes 0-3, 4-7, 8-11, 12-15).
inline void WidenBytes(uint8x16_t b, float32x4_t out[4]) {
  uint16x8_t lo = vmovl_u8(vget_low_u8(b)), hi = vmovl_high_u8(b);
  out[0] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
  out[1] = vcvtq_f32_u32(vmovl_high_u16(lo));
  out[2] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
  out[3] = vcvtq_f32_u32(vmovl_high_u16(hi));
}
inline void WidenBytes(int8x16_t b, float32x4_t out[4]) {
  int16x8_t lo = vmovl_s8(vget_low_s8(b)), hi = vmovl_high_s8(b);
  out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)));
  out[1] = vcvtq_f32_s32(vmovl_high_s16(lo));
  out[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)));
  out[3] = vcvtq_f32_s32(vmovl_high_s16(hi));
}

}  // namespace ragdb::simd::neon

#endif  // __aarch64__
