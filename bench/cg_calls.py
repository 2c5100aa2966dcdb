"""cg_calls.py CALLGRIND_OUT [PREFIX] - calls made into a library from outside it.

Reads a callgrind profile written with --compress-strings=no
--compress-pos=no and prints "function count" for every function called from
a function whose source file is not under PREFIX (default "alloc/"): how many
times the program called each of the library's entry points, whatever the
library did inside.  Used by bench/floor_calls.sh.
"""
import collections
import sys


def main():
    path = sys.argv[1]
    prefix = sys.argv[2] if len(sys.argv) > 2 else "alloc/"
    calls = collections.Counter()
    file = caller_file = callee = None
    with open(path) as f:
        for line in f:
            if line.startswith("fl="):	# fi= and fe= name inlined code's files
                file = line[3:].strip()
            elif line.startswith("fn="):
                caller_file = file
            elif line.startswith("cfn="):
                callee = line[4:].strip()
            elif line.startswith("calls=") and callee:
                outside = caller_file is not None and prefix not in caller_file
                if outside:
                    calls[callee] += int(line[6:].split()[0])
                callee = None
    for name in sorted(calls):
        print(name, calls[name])


if __name__ == "__main__":
    main()
