#!/usr/bin/python3
"""Converts the Cranfield collection (SMART format) to the BEIR layout text_eval reads.

  /usr/bin/python3 bench/text_cranfield_to_beir.py ../shared/data/cranfield /tmp/cranfield-beir

Queries are renumbered 1..225 in file order (cranqrel uses that numbering, not the .I ids).
Judgments 1 (most relevant) .. 4 become graded gains 4 .. 1; -1 (and missing) is not relevant.
"""
import json
import os
import sys


def records(path):
    """Yields {field letter: text} per .I record."""
    rec, field = None, None
    with open(path, encoding="latin-1") as f:
        for line in f:
            if line.startswith(".I"):
                if rec is not None:
                    yield rec
                rec, field = {"I": line[2:].strip()}, None
            elif len(line) >= 2 and line[0] == "." and line[1] in "TABW" and line[2:].strip() == "":
                field = line[1]
                rec[field] = ""
            elif field:
                rec[field] += line
    if rec is not None:
        yield rec


def main(src, dst):
    os.makedirs(os.path.join(dst, "qrels"), exist_ok=True)
    with open(os.path.join(dst, "corpus.jsonl"), "w") as out:
        for r in records(os.path.join(src, "cran.all.1400")):
            out.write(json.dumps({"_id": r["I"], "title": " ".join(r.get("T", "").split()),
                                  "text": " ".join(r.get("W", "").split())}) + "\n")
    with open(os.path.join(dst, "queries.jsonl"), "w") as out:
        for n, r in enumerate(records(os.path.join(src, "cran.qry")), 1):
            out.write(json.dumps({"_id": str(n), "text": " ".join(r.get("W", "").split())}) + "\n")
    with open(os.path.join(src, "cranqrel")) as f, \
            open(os.path.join(dst, "qrels", "test.tsv"), "w") as out:
        out.write("query-id\tcorpus-id\tscore\n")
        for line in f:
            parts = line.split()
            if len(parts) == 3 and 1 <= int(parts[2]) <= 4:
                out.write("%s\t%s\t%d\n" % (parts[0], parts[1], 5 - int(parts[2])))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
