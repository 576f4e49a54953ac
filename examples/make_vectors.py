"""Writes examples/vectors.fvecs (2,000 x 8) and examples/queries.fvecs (50 x 8): clustered
float32 vectors in the texmex .fvecs format (int32 dimension, then the floats), small enough to
keep in the repository and large enough for an HNSW index (1,024 rows per segment at least).
Deterministic: /usr/bin/python3 examples/make_vectors.py"""
import random
import struct
from pathlib import Path

here = Path(__file__).parent
rng = random.Random(14)
dim = 8
centers = [[rng.uniform(-4, 4) for _ in range(dim)] for _ in range(16)]


def write(path, n):
    with open(path, 'wb') as f:
        for i in range(n):
            c = centers[i % len(centers)]
            v = [round(x + rng.gauss(0, 1), 3) for x in c]
            f.write(struct.pack('<i%df' % dim, dim, *v))


write(here / 'vectors.fvecs', 2000)
write(here / 'queries.fvecs', 50)
