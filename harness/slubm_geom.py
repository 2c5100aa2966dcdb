"""slubm_geom.py - props/model.py's SLUB geometry, one line per input, for
harness/test_slub_model.c to compare with harness/slub_model.c's.

stdin:  "size align flags ctor cpus [kernel_version]" per line (decimal; version 0 = 6.18, 1 = 6.1)
stdout: "refused" or "size align offset order objects min_order min_objects min_partial inuse
        red_left_pad"
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "props"))
import model  # noqa: E402  (props/model.py; its ctypes binding loads lazily)


def main():
    out = []
    for line in sys.stdin:
        if not line.strip():
            continue
        size, align, flags, ctor, cpus, *version = (int(x) for x in line.split())
        g = model.geometry(size, align, flags, bool(ctor), cpus,
                           model.KERNEL_VERSIONS[version[0]] if version else "6.18")
        if g is None:
            out.append("refused")
        else:
            out.append(" ".join(str(g[k]) for k in ("size", "align", "offset", "order", "objects",
                                                      "min_order", "min_objects", "min_partial", "inuse",
                                                      "red_left_pad")))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
