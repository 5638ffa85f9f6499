"""Write named float32 tensors in the layout tests/harness.h reads.

    from fixture import write_fixture
    write_fixture("layernorm", {"x": x, "out": out, "dx": x.grad})

Integer tensors are stored as float32 (whole numbers). The file lands in
tests/fixtures/<name>.bin beside this folder.
"""
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")


def _as_array(t):
    if hasattr(t, "detach"):
        t = t.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(t, dtype=np.float32))


def write_fixture(name, tensors):
    os.makedirs(FIXTURES, exist_ok=True)
    path = os.path.join(FIXTURES, name + ".bin")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"NLPFIX01")
        f.write(struct.pack("<I", len(tensors)))
        for key, value in tensors.items():
            a = _as_array(value)
            raw = key.encode()
            f.write(struct.pack("<I", len(raw)))
            f.write(raw)
            f.write(struct.pack("<I", a.ndim))
            for d in a.shape:
                f.write(struct.pack("<I", d))
            f.write(a.astype("<f4").tobytes())
    os.replace(tmp, path)
    print(f"wrote {os.path.relpath(path)} ({len(tensors)} tensors)")
