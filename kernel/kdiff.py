#!/usr/bin/python3
"""kdiff.py - the runner of `make kernel-diff`: op programs on Linux and on
kalloc, compared.

  kdiff.py --ko kdiff.ko --host kdiff-host --version 6.1.0-NN-amd64 [options] PATH...

PATH: program files (binary, or text .txt) and folders of them (every file
below, but *.dict, *.options, *.md and golden/).  A binary under a fuzz_<t>
folder, or stamped with a target, is read as that target reads it (OPS.md 4),
like kfz does.  Programs with the same canonical bytes run once.

Each program needs a machine: its header's CPU count (-smp N for 1..4, else
-smp 1,maxcpus=N: Linux 6.1's calculate_order counts possible CPUs when one
is present), slub_debug=<its letters> when its header asks for debugging, and
a second run on a slub_debug=FZPU kernel when it has misuse ops (misuse runs
there; kalloc's machine then has slub_debug=FZPU too).  Every distinct machine is one boot of Debian's kernel under QEMU
(TCG; KVM hung here) with all its programs in the initramfs (kernel/init.sh).
The same programs run through kalloc (kdiff-host, the same executor
kernel/exec.c).  Then, per op and line, the fields are compared (exec.c's
header says what each means) and counted per op kind: agreed, differed,
known (a difference kernel/known.txt explains), not comparable (and why).
The first program of each new difference is minimised (truncated after the
op, then records deleted while the difference stays, a batch of candidates
per boot) and kept under corpus/kernel/ (which `kfz regress` replays on
kalloc too).  Golden misuse reports (--golden) and kept logs belong outside
corpus/ (kernel/golden, kernel/findings): kfz regress reads every file there.

Exit 0; 1 on a new difference or a kernel oops/panic during a program (its
log is kept under build/kernel/findings/); 2 when a step cannot run (no QEMU,
no kernel image, boot timeout, insmod failure), with a one-line message.
"""
import argparse
import collections
import hashlib
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "props"))
import ops  # noqa: E402  (harness/ops.def through props/ops.py)

BUILD = os.path.join(ROOT, "build", "kernel")
MISUSE_OPS = {20, 21, 22, 23, 24, 25, 28, 29, 30}
SCRIBBLE_OPS = {28, 29, 30}
# kalloc's error codes of a slub_debug check failing at a free (the object
# is kept, as Linux's free_debug_processing keeps it).
CORRUPTION_ERRS = {"KERR_REDZONE", "KERR_POISON", "KERR_PADDING", "KERR_FREEPTR"}
HEAP_OPS = set(range(48, 54))
# What the zones mean: a 512 MiB x86_64 guest has DMA (below 16 MiB) and
# DMA32 (the rest); kalloc has DMA and Normal.  Both are "not DMA".
ZONE_SAME = {"DMA32": "Normal"}


def die(step, msg):
    print("kernel-diff: step %s: %s" % (step, msg), flush=True)
    sys.exit(2)


# ---------------------------------------------------------------------------
# programs
# ---------------------------------------------------------------------------
def path_target(path):
    for part in reversed(path.split(os.sep)):
        m = re.match(r"fuzz_(\w+)$", part)
        if m and m.group(1) in ops.TARGETS:
            return m.group(1)
    return None


def collect(paths):
    """[(name, canonical bytes)], [(file, why skipped)]."""
    files, skipped, seen, progs = [], [], set(), []
    for p in paths:
        if os.path.isdir(p):
            for d, dirs, fs in os.walk(p):
                dirs[:] = sorted(x for x in dirs if x != "golden")
                files += [os.path.join(d, f) for f in sorted(fs)]
        elif os.path.isfile(p):
            files.append(p)
        else:
            die("programs", "no such file or folder: %s" % p)
    for f in files:
        if f.endswith((".dict", ".options", ".md", ".log")):
            continue
        try:
            if f.endswith(".txt"):
                data = ops.parse(open(f).read())
                target = "none"
            else:
                data = open(f, "rb").read()
                target = path_target(f) or ops.decode(data).target_stamp() or "none"
            canon = ops.canonical(data, target)
        except (ops.ParseError, UnicodeDecodeError, ValueError) as e:
            skipped.append((f, str(e)))
            continue
        key = hashlib.sha1(canon).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        progs.append((os.path.relpath(f, ROOT), canon))
    return progs, skipped


def op_list(data):
    return [(i, op.op, ops.OP_NAME.get(op.op, "nop")) for i, op in enumerate(ops.decode(data).ops)]


def boot_spec(cpus, mode, merge, init_on_alloc=False):
    """-smp and the kernel command line.  init_on_alloc=0: kalloc models the
    upstream default (CONFIG_INIT_ON_ALLOC_DEFAULT_ON=n); Debian turns it on,
    and then a ctor cache ignores __GFP_ZERO (docs/kernel.md)."""
    smp = str(cpus) if cpus <= 4 else "1,maxcpus=%d" % cpus
    append = "console=ttyS0 panic=-1 edd=off quiet"
    if not init_on_alloc:
        append += " init_on_alloc=0"
    if not merge:
        append += " slub_nomerge"
    if mode.startswith("sd-"):
        append += " slub_debug=" + mode[3:]
    elif mode == "debug":
        append += " slub_debug=FZPU kdiff.debug=1"
    return smp, append


# Ops a random program draws from: what both sides execute and compare.
RANDOM_OPS = [0, 0, 1, 1, 2, 3, 3, 4, 5, 6, 7, 8, 8, 9, 9, 10, 10, 10, 11, 11, 12, 13, 14, 15, 26]


def random_programs(n, seed, poison=False):
    """@n seeded programs of 64 records: random bytes, the op drawn from
    RANDOM_OPS, sizes mostly below 16 KiB, the header's CPUs 1, 2 or 4."""
    import random
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        hdr = bytes([0, 0, rnd.choice([0, 1, 2]), 0, 1 if poison else 0, 0, 0, 0])
        recs = []
        for _ in range(64):
            r = bytearray(rnd.getrandbits(8) for _ in range(8))
            r[0] = rnd.choice(RANDOM_OPS)
            r[1] %= 8
            if rnd.random() < 0.85:
                r[3] &= 0x3f        # SIZE row 0: 1..16384
            r[6] %= 8
            recs.append(bytes(r))
        out.append(("random/seed%d%s-%04d" % (seed, "p" if poison else "", i),
                    ops.canonical(hdr + b"".join(recs))))
    return out


# ---------------------------------------------------------------------------
# one boot
# ---------------------------------------------------------------------------
class Boot:
    def __init__(self, args):
        self.args = args
        self.nboots = 0
        self.seconds = []
        self.findings = []

    def initramfs(self, progs, work):
        root = os.path.join(work, "root")
        os.makedirs(os.path.join(root, "bin"))
        os.makedirs(os.path.join(root, "progs"))
        shutil.copy(self.args.busybox, os.path.join(root, "bin", "busybox"))
        shutil.copy(os.path.join(ROOT, "kernel", "init.sh"), os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        shutil.copy(self.args.ko, os.path.join(root, "kdiff.ko"))
        for i, (_, data) in enumerate(progs):
            with open(os.path.join(root, "progs", "%04d" % i), "wb") as f:
                f.write(data)
        out = os.path.join(work, "initrd.gz")
        with open(out, "wb") as f:
            find = subprocess.Popen(["find", "."], cwd=root, stdout=subprocess.PIPE)
            cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                                    stdin=find.stdout, stdout=subprocess.PIPE)
            gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=f)
            gz.wait()
            if cpio.wait() or find.wait() or gz.returncode:
                die("initramfs", "cpio/gzip failed")
        return out

    def run(self, progs, cpus, mode, label):
        """Boot once with @progs; {index: (result lines, log lines)}, the
        guest's /proc/slabinfo text, the index of a program that did not
        finish (or None)."""
        smp, append = boot_spec(cpus, mode, self.args.merge, self.args.init_on_alloc)
        work = tempfile.mkdtemp(prefix="kdiff-", dir=BUILD)
        try:
            initrd = self.initramfs(progs, work)
            cmd = [self.args.qemu, "-accel", "tcg", "-cpu", "max", "-m", "512", "-smp", smp,
                   "-nographic", "-no-reboot", "-kernel", self.args.vmlinuz, "-initrd", initrd,
                   "-append", append]
            t0 = time.time()
            log = self._qemu(cmd, len(progs), label)
            self.seconds.append((label, smp, append, len(progs), time.time() - t0))
            self.nboots += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
        logpath = os.path.join(BUILD, "boot-%s.log" % label)
        with open(logpath, "w") as f:
            f.write("".join(log))
        return self._parse(log, logpath)

    def _qemu(self, cmd, nprogs, label):
        a = self.args
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        t0 = time.time()
        boot_deadline = t0 + a.boot_timeout
        deadline = None
        buf, lines, booted = b"", [], False
        try:
            while True:
                now = time.time()
                limit = deadline if booted else boot_deadline
                if now > limit:
                    p.kill()
                    p.wait()
                    lines.append(buf.decode("utf-8", "replace"))
                    path = os.path.join(BUILD, "boot-%s.log" % label)
                    with open(path, "w") as f:
                        f.write("".join(lines))
                    if not booted:
                        die("boot", "the kernel did not reach init within %d s (log: %s)"
                            % (a.boot_timeout, os.path.relpath(path, ROOT)))
                    lines.append("@@KDIFF timeout\n")
                    return lines
                r, _, _ = select.select([p.stdout], [], [], min(1.0, max(0.0, limit - now)))
                if r:
                    chunk = os.read(p.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        s = line.decode("utf-8", "replace").replace("\r", "") + "\n"
                        lines.append(s)
                        if not booted and "@@KDIFF boot" in s:
                            booted = True
                            deadline = time.time() + a.prog_timeout * max(1, nprogs) + 30
                        if "@@KDIFF insmod-failed" in s:
                            p.kill()
                            p.wait()
                            die("insmod", "kdiff.ko did not load (log below the marker in build/kernel/boot-%s.log)" % label)
            p.wait()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        if buf:
            lines.append(buf.decode("utf-8", "replace"))
        return lines

    def _parse(self, log, logpath):
        res, slabinfo, cur, sect, unfinished, done = {}, [], None, None, None, False
        ts_in = re.compile(r"\[\s*\d+\.\d+\]")
        for raw in log:
            i = raw.find("@@")
            line = raw[i:] if i >= 0 else raw
            if line.startswith("@@P "):
                cur = int(line.split()[1])
                res[cur] = ([], [])
                sect = 0
                unfinished = cur
            elif line.startswith("@@L ") and cur is not None:
                sect = 1
            elif line.startswith("@@E ") and cur is not None:
                cur, sect, unfinished = None, None, None
            elif line.startswith("@@SLABINFO end"):
                sect = None
            elif line.startswith("@@SLABINFO"):
                sect = "slab"
            elif line.startswith("@@KDIFF done"):
                done = True
            elif sect == "slab":
                slabinfo.append(line)
            elif cur is not None:
                if sect == 0:
                    # A kernel message on the console (dmesg -c repeats it
                    # after @@L), on a line of its own or cutting into a
                    # results line that the next bare newline ends.
                    m = ts_in.search(line)
                    line = (line[:m.start()] if m else line).rstrip("\n")
                    if line:
                        res[cur][sect].append(line)
                else:
                    res[cur][sect].append(line.rstrip("\n"))
        if not done and unfinished is None and res:
            unfinished = max(res)  # died between programs: blame the last one
        return res, "".join(slabinfo), (unfinished if not done else None), logpath


# ---------------------------------------------------------------------------
# kalloc's side
# ---------------------------------------------------------------------------
def linux_rules(version):
    """The machine_config.kernel_version kdiff-host takes for a guest image
    version "6.1.0-NN-amd64": before 6.8 (calculate_order) "6.1", else "6.18"."""
    m = re.match(r"(\d+)\.(\d+)", version or "")
    if not m:
        die("args", "--version %r: want MAJOR.MINOR..." % version)
    return "6.1" if (int(m.group(1)), int(m.group(2))) < (6, 8) else "6.18"


def linux_args(args):
    return ["--linux", linux_rules(args.version)]


def host_run(args, progs, debug, logs=None):
    """{index: result lines}; @logs (a dict) gets {index: kalloc's report
    lines} (kdiff-host's @@L section: the report sink)."""
    work = tempfile.mkdtemp(prefix="kdiff-host-", dir=BUILD)
    try:
        paths = []
        for i, (_, data) in enumerate(progs):
            p = os.path.join(work, "%04d" % i)
            with open(p, "wb") as f:
                f.write(data)
            paths.append(p)
        res, sect = {}, None
        for at in range(0, len(paths), 200):
            cmd = [args.host] + linux_args(args) + (["--debug"] if debug else []) + paths[at:at + 200]
            try:
                out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     timeout=600, check=False)
            except subprocess.TimeoutExpired:
                die("kalloc", "kdiff-host timed out")
            if out.returncode not in (0,):
                die("kalloc", "kdiff-host exit %d: %s" % (out.returncode, out.stderr.decode()[:200]))
            cur = None
            for line in out.stdout.decode().splitlines():
                if line.startswith("@@P "):
                    cur = int(os.path.basename(line.split()[1]))
                    res[cur], sect = [], res
                    if logs is not None:
                        logs[cur] = []
                elif line.startswith("@@L ") and cur is not None:
                    sect = logs
                elif line.startswith("@@E "):
                    cur = None
                elif cur is not None and sect is not None:
                    sect[cur].append(line)
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def debug_bits(mode):
    """kalloc's MACHINE_SLUB_* bits for a boot mode ("sd-FZPU", "debug", ...)."""
    letters = boot_letters(mode)
    return sum(ops.K.MACHINE_SLUB_DEBUG_BITS[ops.DEBUG_LETTERS.index(c)] for c in letters)


def host_slabinfo(args, cpus, mode):
    out = subprocess.run([args.host] + linux_args(args) + ["--slabinfo", str(cpus), str(debug_bits(mode))],
                         stdout=subprocess.PIPE,
                         timeout=60, check=False)
    return out.stdout.decode()


# ---------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------
def parse_lines(lines):
    """Ordered {(index, kind, tag): fields}."""
    out = collections.OrderedDict()
    for line in lines:
        parts = line.split()
        if len(parts) < 2 or parts[0] in ("error", "overflow"):
            continue
        idx, kind, rest, tag = parts[0], parts[1], parts[2:], ""
        if kind == "geometry" and rest:
            tag, rest = rest[0], rest[1:]
        fields = dict(x.split("=", 1) for x in rest if "=" in x)
        out[(idx, kind, tag)] = fields
    return out


def idx_key(k):
    return (1 << 30 if k[0] == "end" else int(k[0]), k[1], k[2])


def load_known(path):
    """kernel/known.txt: "KIND FIELD WHERE REASON" per line; WHERE is "-",
    FIELD=LO..HI on the kernel's line (the difference is known only there), or
    kmalloc-redzone (only in boots whose slub_debug has Z and U)."""
    known = collections.defaultdict(list)
    if os.path.exists(path):
        for n, line in enumerate(open(path), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                kind, field, where, reason = line.split(None, 3)
                cond = None
                if where == "kmalloc-redzone":
                    cond = ("boot", "ZU")
                elif where.startswith("name="):
                    cond = ("name", where[5:])
                elif where != "-":
                    f, rng = where.split("=")
                    lo, hi = (int(x) for x in rng.split(".."))
                    cond = (f, lo, hi)
            except ValueError:
                die("known", "%s line %d: want KIND FIELD WHERE REASON" % (path, n))
            known[(kind, field)].append((cond, reason))
    return known


def boot_letters(mode):
    return "FZPU" if mode == "debug" else mode[3:] if mode.startswith("sd-") else ""


def known_reason(known, kind, field, k, mode="normal"):
    for cond, reason in known.get((kind, field), []):
        if cond is None:
            return reason
        if cond[0] == "boot":
            if all(c in boot_letters(mode) for c in cond[1]):
                return reason
            continue
        f, lo, hi = cond
        try:
            if lo <= int(k.get(f, "")) <= hi:
                return reason
        except ValueError:
            pass
    return None


def slab_rows(text, prefixes=("kmalloc-", "dma-kmalloc-")):
    rows = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 6 and f[0].startswith(prefixes):
            try:
                rows[f[0]] = dict(objsize=f[3], objperslab=f[4], pagesperslab=f[5])
            except IndexError:
                pass
    return rows


MASKS = [(re.compile(r"^\[\s*\d+\.\d+\]\s?"), ""),
         (re.compile(r"0x[0-9a-fA-F]+"), "0x(hex)"),
         (re.compile(r"\b[0-9a-f]{16}\b"), "(hex)"),
         (re.compile(r"(?i)\b(pid|cpu)([:=]\s*)\d+"), r"\1\2N"),
         (re.compile(r"Comm: \S+"), "Comm: X"),
         (re.compile(r"jiffies=\d+|age=\d+"), "N"),
         (re.compile(r"\d+\.\d+-\d+-amd64 #\d+ Debian [\d.-]+"), "VERSION")]


# Lines that only say where the machine was: register dumps, code bytes,
# the "?" guesses of the unwinder.
NOISE = re.compile(r"^(Code:|R[A-Z0-9]{1,2}:|RSP:|FS:|CS:|CR2:|PKRU:|\? |Hardware name:)")


def mask(line):
    for rx, rep in MASKS:
        line = rx.sub(rep, line)
    return line.strip()


# The report stream of a scribble program (issue 12 item 4): every line of
# the program's log, both sides, through report_lines().  Masked
# (REPORT_MASKS, the one place): timestamps, addresses (hex of 5 digits or
# more: pointers, the hex dump's addresses, page flags' values; bytes such as
# "First byte 0x41 instead of 0xcc" stay), code offsets ("+0x1a/0x20"),
# slab offsets ("@offset=": where
# the object sits in its slab, randomised by Debian's
# CONFIG_SLAB_FREELIST_RANDOM), pids, CPUs, ages, the taint flags, the
# call site of "Allocated in"/"Freed in" (a code address; kalloc names its
# entry point), the kernel version.  Dropped (REPORT_DROP): stack-trace
# lines (frames, Call Trace, <TASK>), the CPU/PID/Comm and Hardware name
# lines, register dumps, exec.c's markers, blank lines and the kernel's
# once-per-boot taint notice.
REPORT_MASKS = [(re.compile(r"^\[\s*\d+\.\d+\]\s?"), ""),
                (re.compile(r"0x[0-9a-fA-F]{5,}"), "0x(hex)"),
                (re.compile(r"\b[0-9a-f]{16}\b"), "(hex)"),
                (re.compile(r"@offset=\d+"), "@offset=N"),
                (re.compile(r"\+0x[0-9a-f]+/0x[0-9a-f]+"), "+OFF"),
                (re.compile(r"CPU: \d+ PID: \d+"), "CPU: N PID: N"),
                (re.compile(r"\b(age|cpu|pid)=\d+"), r"\1=N"),
                (re.compile(r"\((Not tainted|Tainted: [^)]*)\)"), "(TAINT)"),
                (re.compile(r"^(Allocated|Freed) in \S+( \[\w+\])?"), r"\1 in SITE"),
                (re.compile(r"\d+\.\d+-\d+-amd64 #\d+ Debian [\d.-]+"), "VERSION")]
REPORT_DROP = re.compile(r"^(\S+\+OFF( \[\w+\])?$|<TASK>$|</TASK>$|Call Trace:$|"
                         r"CPU: N PID: N|Hardware name:|kdiff: |debugfs: |Disabling lock debugging|"
                         r"Code:|R[A-Z0-9]{1,2}:|RSP:|FS:|CS:|CR2:|PKRU:|\? )")


def report_lines(lines):
    """The masked report lines of a log (a kernel program's @@L section, or
    kdiff-host's report sink)."""
    out = []
    for line in lines:
        m = line.rstrip("\n")
        for rx, rep in REPORT_MASKS:
            m = rx.sub(rep, m)
        m = m.strip()
        if m and not REPORT_DROP.match(m):
            out.append(m)
    return out


def compare_reports(t, name, klog, hlog, golden=None):
    """Line by line over the whole report stream; a row of the table per
    line ("report lines"), agreed or differed (known: kernel/known.txt's
    "report-line" entries, matched on the program's name)."""
    K, H = report_lines(klog), report_lines(hlog)
    if golden is not None and K:
        golden.append((name, "all", "reports", K))
    kind = "report lines"
    reason = None
    for cond, why in t.known.get(("report-line", "program"), []):
        if cond and cond[0] == "name" and cond[1] in name:
            reason = why
    for i in range(max(len(K), len(H))):
        k = K[i] if i < len(K) else None
        h = H[i] if i < len(H) else None
        if k == h:
            t.add(kind, "agreed")
        elif reason:
            t.add(kind, "known", reason)
        else:
            t.add(kind, "differed")
            t.first.setdefault((kind, "line%d" % i), (name, (str(i), kind, ""), {"line": k}, {"line": h}))
    return K, H


def misuse_report(log, idx):
    """The kernel log between exec.c's markers around op @idx."""
    out, inside = [], False
    for line in log:
        if "kdiff: op %s begin" % idx in line:
            inside = True
        elif "kdiff: op %s end" % idx in line:
            inside = False
        elif inside:
            m = mask(line.rstrip("\n"))
            if m and not NOISE.match(m):
                out.append(m)
    return out


class Tally:
    def __init__(self, known):
        self.known = known
        self.rows = collections.defaultdict(lambda: collections.Counter())
        self.nc = collections.defaultdict(collections.Counter)
        self.known_hits = collections.defaultdict(collections.Counter)
        self.first = {}        # (kind, fields) -> (program, idx, kernel, kalloc)
        self.examples = collections.defaultdict(list)

    def add(self, kind, what, reason=None):
        self.rows[kind][what] += 1
        if what == "nc":
            self.nc[kind][reason] += 1
        elif what == "known":
            self.known_hits[kind][reason] += 1


def compare_program(t, name, mode, kern, kal, log, golden):
    K, H = parse_lines(kern), parse_lines(kal)
    keys = sorted(set(K) | set(H), key=idx_key)
    diverged = None
    for key in keys:
        kind = key[1]
        k, h = K.get(key), H.get(key)
        if k is None or h is None:
            if diverged:
                t.add(kind, "nc", "slot state diverged after op %s" % diverged)
            else:
                side = "kernel" if h is None else "kalloc"
                t.add(kind, "differed")
                t.first.setdefault((kind, "only-on-" + side), (name, key, k, h))
                diverged = key[0]
            continue
        if "nc" in k or "nc" in h:
            t.add(kind, "nc", k.get("nc") or h.get("nc"))
            continue
        if "misuse" in k:
            rep = misuse_report(log, key[0])
            krep, hrep = bool(rep), "err" in h
            if rep and golden is not None:
                golden.append((name, key[0], kind, rep))
            if krep == hrep:
                t.add(kind, "agreed")
            else:
                t.add(kind, "differed")
                t.first.setdefault((kind, "reported"), (name, key, {"reported": krep}, {"reported": hrep}))
            continue
        if "merged" in k or "merged" in h:
            t.add(kind, "nc", "SLUB merged the cache into another (kalloc does not merge)")
            continue
        if k.get("ok") == "0" and h.get("ok") == "1" and h.get("zone") == "DMA":
            # the guest's ZONE_DMA is 16 MiB less its reserved low memory
            # and what the kernel holds there; kalloc's is 16 MiB, all free
            t.add(kind, "nc", "the guest's ZONE_DMA has less free memory than kalloc's")
            diverged = diverged or key[0]
            continue
        if k.get("ok") == "1" and h.get("ok") == "0" and h.get("fail") == "KERR_NOMEM":
            t.add(kind, "nc", "kalloc's simulated 512 MiB ran out")
            diverged = diverged or key[0]
            continue
        kk = {f: ZONE_SAME.get(v, v) if f == "zone" else v for f, v in k.items() if f != "fail"}
        hh = {f: v for f, v in h.items() if f != "fail"}
        if mode == "debug" and hh.get("err") in CORRUPTION_ERRS and "err" not in kk:
            # a free of a scribbled object: Linux's kfree returns nothing,
            # its report (compared in the report stream) is the verdict
            del hh["err"]
        diffs = sorted(f for f in set(kk) | set(hh) if kk.get(f) != hh.get(f))
        if not diffs:
            t.add(kind, "agreed")
            continue
        reasons = [known_reason(t.known, kind, f, k, mode) for f in diffs]
        if all(reasons):
            t.add(kind, "known", "; ".join(sorted(set(reasons))))
        else:
            t.add(kind, "differed")
            t.first.setdefault((kind, ",".join(diffs)), (name, key, k, h))
        t.examples[(kind, ",".join(diffs))].append(name)
        if "ok" in diffs:
            diverged = diverged or key[0]


def compare_slabinfo(t, cpus, ktext, htext):
    K, H = slab_rows(ktext), slab_rows(htext)
    for name in sorted(set(K) | set(H)):
        kind = "kmalloc caches (/proc/slabinfo)"
        if name not in K or name not in H:
            t.add(kind, "nc", "%s exists only in %s" % (
                re.sub(r"-\d+k?$", "-*", name), "the kernel" if name in K else "kalloc"))
            continue
        diffs = sorted(f for f in K[name] if K[name][f] != H[name][f])
        if not diffs:
            t.add(kind, "agreed")
        else:
            reasons = [known_reason(t.known, "kmalloc-caches", f, K[name]) for f in diffs]
            if all(reasons):
                t.add(kind, "known", "; ".join(sorted(set(reasons))))
            else:
                t.add(kind, "differed")
                t.first.setdefault((kind, ",".join(diffs)),
                                   ("cpus=%d" % cpus, (name,), K[name], H[name]))


# ---------------------------------------------------------------------------
# minimising a difference
# ---------------------------------------------------------------------------
def still_differs(kern, kal, key, fields, mode):
    t = Tally({})
    compare_program(t, "-", mode, kern, kal, [], None)
    return any(k == key[1] and set(f.split(",")) >= set(fields.split(",")) for (k, f) in t.first)


def minimise(args, boot, data, key, fields, cpus, mode):
    """Records of @data up to op @key, then drop records while the same
    difference stays.  Returns the bytes."""
    hdr, recs = data[:8], [data[8 + 8 * i:16 + 8 * i] for i in range((len(data) - 8) // 8)]
    if key[0] != "end":
        recs = recs[:int(key[0]) + 1]
    for _ in range(args.min_boots):
        cands = [(j, hdr + b"".join(recs[:j] + recs[j + 1:])) for j in range(len(recs) - 1)]
        if not cands:
            break
        progs = [("cand%d" % j, d) for j, d in cands]
        res, _, _, _ = boot.run(progs, cpus, mode, "minimise")
        hres = host_run(args, progs, mode == "debug")
        good = []
        for i, (j, d) in enumerate(cands):
            last = str(len(recs) - 2) if key[0] != "end" else "end"
            if i in res and still_differs(res[i][0], hres.get(i, []), (last,) + key[1:], fields, mode):
                good.append(j)
        if not good:
            break
        # drop every record that can go alone; keep the result only if the
        # difference survives all of them together, else drop the first one
        together = [r for j, r in enumerate(recs) if j not in good]
        res2, _, _, _ = boot.run([("all", hdr + b"".join(together))], cpus, mode, "minimise")
        h2 = host_run(args, [("all", hdr + b"".join(together))], mode == "debug")
        last = str(len(together) - 1) if key[0] != "end" else "end"
        if 0 in res2 and still_differs(res2[0][0], h2.get(0, []), (last,) + key[1:], fields, mode):
            recs = together
        else:
            recs = recs[:good[0]] + recs[good[0] + 1:]
        if len(good) == 1:
            break
    return hdr + b"".join(recs)


# ---------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--ko", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--version", required=True, help="6.1.0-NN-amd64: the image to boot")
    ap.add_argument("--qemu", default=shutil.which("qemu-system-x86_64") or "")
    ap.add_argument("--busybox", default="/bin/busybox")
    ap.add_argument("--vmlinuz", default=None)
    ap.add_argument("--merge", action="store_true", help="boot without slub_nomerge")
    ap.add_argument("--init-on-alloc", action="store_true",
                    help="keep Debian's init_on_alloc=1 (kalloc models the upstream default, 0)")
    ap.add_argument("--boot-timeout", type=int, default=120)
    ap.add_argument("--prog-timeout", type=int, default=20)
    ap.add_argument("--min-boots", type=int, default=3)
    ap.add_argument("--no-minimise", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="one boot: every program on its CPU count 1..4 is fine, others skipped")
    ap.add_argument("--random", type=int, default=0, metavar="N",
                    help="also N random programs (64 records of the kernel-comparable ops, 1/2/4 CPUs)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--random-poison", action="store_true",
                    help="the random programs' header asks for poison (a slub_debug=P boot)")
    ap.add_argument("--golden", default=None, help="write the misuse reports here")
    ap.add_argument("--known", default=os.path.join(ROOT, "kernel", "known.txt"))
    ap.add_argument("--table", default=os.path.join(BUILD, "table.md"))
    args = ap.parse_args()
    os.makedirs(BUILD, exist_ok=True)

    if not args.qemu or not os.access(args.qemu, os.X_OK):
        die("qemu", "qemu-system-x86_64 not found (make deps installs qemu-system-x86)")
    if not shutil.which("cpio"):
        die("initramfs", "cpio not found (make deps installs cpio)")
    if not os.access(args.busybox, os.X_OK):
        die("initramfs", "%s not found (make deps installs busybox-static)" % args.busybox)
    args.vmlinuz = args.vmlinuz or os.path.join(BUILD, "img", "boot", "vmlinuz-" + args.version)
    if not os.path.exists(args.vmlinuz):
        die("image", "%s missing (make deps fetches linux-image-%s into build/kernel/img)"
            % (os.path.relpath(args.vmlinuz, ROOT), args.version))
    for f in (args.ko, args.host):
        if not os.path.exists(f):
            die("build", "%s missing" % f)

    progs, skipped = collect(args.paths)
    if args.random:
        print("kernel-diff: %d random programs, seed %d" % (args.random, args.seed))
        progs += random_programs(args.random, args.seed, args.random_poison)
    t = Tally(load_known(args.known))
    for f, why in skipped:
        t.add("(unreadable file)", "nc", why[:60])
    groups = collections.defaultdict(list)   # (cpus, mode) -> [(name, data)]
    for name, data in progs:
        prog = ops.decode(data)
        cfg = prog.config()
        kinds = op_list(data)
        if cfg["profile"] == 1:
            for _, op, kind in kinds:
                if kind != "nop":
                    t.add(kind, "nc", "classic kmalloc profile (2.6-era classes)")
            continue
        if not any(op < 28 for _, op, _ in kinds):
            for _, op, kind in kinds:
                if kind != "nop":
                    t.add(kind, "nc", "heap ops only (malloc family, no kernel API)")
            continue
        mode = "sd-" + prog.debug_letters() if prog.debug() else "normal"
        groups[(cfg["nr_cpus"], mode)].append((name, data))
        if any(op in MISUSE_OPS for _, op, _ in kinds):
            groups[(cfg["nr_cpus"], "debug")].append((name, data))
    if args.smoke:
        keep = {k: v for k, v in groups.items() if k[1] == "normal"}
        if not keep:
            die("programs", "no program for the smoke boot")
        first = sorted(keep)[0]
        groups = {first: keep[first]}

    boot = Boot(args)
    golden = []
    oops = []
    slab_seen = set()
    for (cpus, mode) in sorted(groups):
        todo = groups[(cpus, mode)]
        label = "cpus%d-%s%s" % (cpus, mode, "-merge" if args.merge else "")
        hlogs = {}
        hres = host_run(args, todo, mode == "debug", hlogs)
        offset = 0
        while offset < len(todo):
            part = todo[offset:]
            res, slabinfo, unfinished, logpath = boot.run(part, cpus, mode, label)
            for i, (name, data) in enumerate(part):
                if i not in res or (unfinished is not None and i >= unfinished):
                    continue
                compare_program(t, name, mode, res[i][0], hres.get(offset + i, []), res[i][1], golden)
                if mode == "debug" and any(op in SCRIBBLE_OPS for _, op, _ in op_list(data)):
                    compare_reports(t, name, res[i][1], hlogs.get(offset + i, []), golden)
            if unfinished is None:
                if (cpus, mode) not in slab_seen and slabinfo:
                    slab_seen.add((cpus, mode))
                    compare_slabinfo(t, cpus, slabinfo, host_slabinfo(args, cpus, mode))
                break
            name = part[unfinished][0]
            os.makedirs(os.path.join(BUILD, "findings"), exist_ok=True)
            keep = os.path.join(BUILD, "findings", re.sub(r"[^\w.-]", "_", name) + ".log")
            shutil.copy(logpath, keep)
            oops.append((name, label, keep))
            before = ""
            if not res.get(unfinished, ([], []))[0] and unfinished > 0:
                # it printed nothing: the fork of its first command died,
                # so the state may have been broken by the one before
                before = " (before it printed anything; the program before it: %s)" % part[unfinished - 1][0]
            print("kernel-diff: FINDING: the kernel died during %s%s (%s); log kept: %s"
                  % (name, before, label, os.path.relpath(keep, ROOT)), flush=True)
            offset += unfinished + 1

    # minimise the first program of every new difference
    minimised = []
    if not args.no_minimise:
        bydata = {n: d for grp in groups.values() for n, d in grp}
        cfgs = {n: k for k, grp in groups.items() for n, _ in grp}
        for (kind, fields), (name, key, k, h) in sorted(t.first.items()):
            if name not in bydata or fields.startswith("only-on"):
                continue
            cpus, mode = cfgs[name]
            small = minimise(args, boot, bydata[name], key, fields, cpus, mode)
            out = os.path.join(ROOT, "corpus", "kernel", "differ-%s-%s" % (
                kind.strip("_").replace("_", "-"), fields.replace(",", "-")))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(small)
            with open(out + ".txt", "w") as f:
                f.write("# kernel-diff: %s differs in %s (from %s)\n" % (kind, fields, name))
                f.write(ops.to_text(small))
            minimised.append((kind, fields, os.path.relpath(out, ROOT)))

    if args.golden and golden:
        os.makedirs(args.golden, exist_ok=True)
        for name, idx, kind, rep in golden:
            base = os.path.basename(name).replace(".txt", "")
            fname = "%s-reports.txt" % base if idx == "all" else "%s-op%s-%s.txt" % (base, idx, kind)
            with open(os.path.join(args.golden, fname), "w") as f:
                f.write("# kernel %s, slub_debug=FZPU: %s op %s (%s); addresses, pids, times masked\n"
                        % (args.version, name, idx, kind))
                f.write("\n".join(rep) + "\n")

    # the table
    lines = ["| op kind | agreed | differed | known | not comparable (why) |",
             "|---|---:|---:|---:|---|"]
    tot = collections.Counter()
    for kind in sorted(t.rows):
        c = t.rows[kind]
        tot.update(c)
        why = "; ".join("%s: %d" % (r, n) for r, n in t.nc[kind].most_common())
        lines.append("| %s | %d | %d | %d | %d%s |" % (kind, c["agreed"], c["differed"], c["known"],
                                                     c["nc"], (" (" + why + ")") if why else ""))
    lines.append("| **total** | %d | %d | %d | %d |" % (tot["agreed"], tot["differed"], tot["known"], tot["nc"]))
    print("\n".join(lines))
    print()
    for label, smp, append, n, secs in boot.seconds:
        print("boot %-22s -smp %-12s %3d programs %5.1f s  (%s)" % (label, smp, n, secs, append))
    print("programs: %d distinct (%d files skipped), boots: %d" % (len(progs), len(skipped), boot.nboots))
    for (kind, fields), (name, key, k, h) in sorted(t.first.items()):
        print("DIFFERED %s [%s] first in %s op %s: kernel %s, kalloc %s" % (kind, fields, name, key[0], k, h))
    for kind in sorted(t.known_hits):
        for r, n in t.known_hits[kind].items():
            print("known %s (%d): %s" % (kind, n, r))
    for kind, fields, path in minimised:
        print("minimised %s [%s]: %s" % (kind, fields, path))
    with open(args.table, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("kernel-diff: %d passed, %d failed, %d skipped (agreed + known, differed + findings, not comparable)"
          % (tot["agreed"] + tot["known"], tot["differed"] + len(oops), tot["nc"]))
    if oops:
        return 1
    return 1 if tot["differed"] else 0


if __name__ == "__main__":
    sys.exit(main())
