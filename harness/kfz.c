/* kfz.c - the harness's command-line tool: convert, replay, shrink.
 *
 *   kfz decode [--target=T] FILE        canonical text of a program (binary or text)
 *   kfz encode FILE OUT                 canonical binary of a program
 *   kfz run [--plot=PNG] [--target=T] [--alloc=A] FILE...   replay with each
 *                                       op's result; exit 3 on a violation;
 *                                       --plot: fragmentation per op (kalloc)
 *   kfz regress [--alloc=A] PATH...     replay every file; "N passed, N failed"
 *   kfz dict FILE...                    libFuzzer dictionary of their records
 *   kfz textdict                        the text form's words, for fuzz_text
 *   kfz shrink [--target=T] [--alloc=A] FILE OUT   op-level shrink keeping the
 *                                       same failure; writes OUT (binary) and OUT.txt
 *   kfz stamp [--target=T] [--alloc=A] FILE...   write the target and allocator
 *                                       into each file's header (h6, h7)
 *   kfz which [--target=T] [--alloc=A] FILE    "TARGET ALLOC" that FILE runs on
 *   kfz allocs                          the allocators, and whether each opens here
 *
 * A file is read as text when its name ends in .txt; anything else is
 * binary.  Which target and allocator a program runs on, first match wins:
 * --target / --alloc; a fuzz_<t> path component (binary files only for the
 * target), where fuzz_<t>-<alloc> names the allocator too and the kalloc
 * targets (buddy, slab, kmalloc, mixed) imply kalloc; the header's stamps;
 * else target "none" on kalloc.
 * Exit codes: 0 fine, 2 usage or parse error, an unknown allocator or one
 * that cannot be opened here, 3 model violation, 4 a hang (a program that
 * did not finish within $KFZ_TIMEOUT seconds, 10); sanitizer reports keep
 * their own code, 1.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "model.h"

#define EXIT_VIOLATION 3
#define EXIT_HANG 4

/* ---- time limit ------------------------------------------------------------
 * An allocator that loops forever must not hang a replay, a regression run
 * or a campaign's summary: every program runs under an alarm of
 * $KFZ_TIMEOUT seconds (10; 0 turns it off).  When it fires, kfz says which
 * file hung and exits EXIT_HANG - a hang of its own kind, never waited on. */
static char hang_msg[600];

/* Flushes the trace so far (a second alarm a second later ends it if the
 * loop was inside stdio holding its lock), then says so on stdout, and on
 * stderr too when that is another file. */
static void hang_handler(int sig)
{
	static volatile sig_atomic_t entered;
	struct stat so, se;

	(void)sig;
	if (entered++)
		_exit(EXIT_HANG);
	alarm(1);
	fflush(stdout);
	if (write(1, "\n", 1) < 0 || write(1, hang_msg, strlen(hang_msg)) < 0)
		_exit(EXIT_HANG);
	if (fstat(1, &so) || fstat(2, &se) || so.st_dev != se.st_dev || so.st_ino != se.st_ino)
		if (write(2, hang_msg, strlen(hang_msg)) < 0)
			_exit(EXIT_HANG);
	_exit(EXIT_HANG);
}

static unsigned int time_limit(void)
{
	const char *e = getenv("KFZ_TIMEOUT");

	return e && *e ? (unsigned int)strtoul(e, NULL, 10) : 10;
}

/* Arm the alarm for one run of @path (0: disarm). */
static void hang_arm(const char *path)
{
	unsigned int s = time_limit();

	if (!path || !s) {
		alarm(0);
		return;
	}
	snprintf(hang_msg, sizeof(hang_msg),
		 "HANG: %s did not finish within %u s (KFZ_TIMEOUT): an endless loop in the allocator or the model\n",
		 path, s);
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = hang_handler;
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGALRM, &sa, NULL);
	}
	alarm(s);
}

/* Set when an error has been explained in its own line: no usage after it. */
static int explained;

static int read_all(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap + 1);

	if (!f || !buf) {
		fprintf(stderr, "kfz: %s: %s\n", path, strerror(errno));
		explained = 1;
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	for (;;) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		unsigned char *nb = realloc(buf, cap + 1);
		if (!nb) {
			fclose(f);
			free(buf);
			return -1;
		}
		buf = nb;
	}
	fclose(f);
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* Printable ASCII with a call in it: a text program saved without .txt
 * (binary programs have op bytes < 0x40 and zero padding nearly always). */
static int looks_like_text(const unsigned char *buf, size_t len)
{
	int call = 0;

	if (len < 8)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '(')
			call = 1;
		if (!(buf[i] >= 0x20 && buf[i] < 0x7f) && buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r')
			return 0;
	}
	return call;
}

/* Load @path as a program; -1 (reported) if it is text that does not parse.
 * *@is_text (if given) says which form it was. */
static int load_as(const char *path, struct prog *p, int *is_text)
{
	unsigned char *buf;
	size_t len, pl = strlen(path);
	char err[400];
	int as_text;

	if (read_all(path, &buf, &len))
		return -1;
	/* By name only: libFuzzer reads the .txt seeds beside the binaries as
	 * bytes too, so a crash mutated from one can be printable text that
	 * parses - and must still replay as the bytes the fuzzer ran. */
	as_text = pl > 4 && !strcmp(path + pl - 4, ".txt");
	if (as_text) {
		if (!prog_parse((char *)buf, p, err, sizeof(err))) {
			free(buf);
			if (is_text)
				*is_text = 1;
			return 0;
		}
		fprintf(stderr, "kfz: %s: %s\n", path, err);
		explained = 1;
		free(buf);
		return -1;
	}
	if (looks_like_text(buf, len))
		fprintf(stderr, "kfz: warning: %s looks like a text program but its name does not end in .txt: "
			"read as binary bytes (rename it to %s.txt to read it as text)\n", path, path);
	prog_load(p, buf, len);
	free(buf);
	if (is_text)
		*is_text = 0;
	return 0;
}

static int load(const char *path, struct prog *p)
{
	return load_as(path, p, NULL);
}

/* The first fuzz_<t>[-<alloc>] component of @path (a crash directory is
 * build/fuzz/crashes/fuzz_malloc-glibc): its target, or -1 if there is none,
 * and <alloc> in @alloc ("" if not named). */
static int path_component(const char *path, char alloc[32])
{
	const char *s = path;

	alloc[0] = 0;
	while ((s = strstr(s, "fuzz_"))) {
		char name[32];
		size_t n = strcspn(s, "/.-"), m;
		int t;

		if (n < sizeof(name)) {
			memcpy(name, s, n);
			name[n] = 0;
			t = target_parse(name);
			if (t >= 0) {
				m = s[n] == '-' ? strcspn(s + n + 1, "/.") : 0;
				if (m && m < 32) {
					memcpy(alloc, s + n + 1, m);
					alloc[m] = 0;
				}
				return t;
			}
		}
		s += 5;
	}
	return -1;
}

/* The target a binary input was fuzzed with, from a fuzz_<t> in its path. */
static enum op_target target_of_path(const char *path)
{
	char alloc[32];
	int t = path_component(path, alloc);

	return t >= 0 ? (enum op_target)t : TARGET_NONE;
}

/* ---- header stamps (OPS.md 1.1: h6 target, h7 allocator; ops.c) -------- */

/* The stamped allocator's name, or NULL. */
static const char *stamp_alloc(const uint8_t *h)
{
	return alloc_stamp_name(hdr_alloc_stamp(h));
}

/* The ALLOC= name of @a ("user" for a user's adapter, whatever its table
 * calls itself). */
static const char *alloc_key(const struct alloc_target *a)
{
	static char names[128];
	char *save = NULL;

	snprintf(names, sizeof(names), "%s", alloc_target_names());
	for (char *n = strtok_r(names, " ", &save); n; n = strtok_r(NULL, " ", &save))
		if (alloc_target_find(n) == a)
			return n;
	return a->name;
}

/* Stamp @h: @t an op_target or -1, @a an allocator or NULL (unspecified; so
 * is one without a stamp code, such as kalloc-neutral). */
static void stamp_set(uint8_t *h, int t, const struct alloc_target *a)
{
	hdr_stamp(h, t, a ? alloc_stamp_parse(alloc_key(a)) : 0);
}

/* The allocator a fuzz_<t>[-<alloc>] path component names: <alloc>, or
 * kalloc for kalloc's own targets; NULL when the path does not say. */
static const struct alloc_target *alloc_of_path(const char *path)
{
	char alloc[32];
	int t = path_component(path, alloc);

	/* fuzz_malloc-mimalloc-afl (an AFL++ campaign's directory): the
	 * allocator is the part before a further '-'. */
	if (alloc[0] && !alloc_target_find(alloc) && strchr(alloc, '-'))
		*strchr(alloc, '-') = 0;
	if (alloc[0] && alloc_target_find(alloc))
		return alloc_target_find(alloc);
	if (t == TARGET_HEAP)		/* fuzz_heap's heap and process (target_heap.c) */
		return &alloc_target_kalloc_proc;
	if (t >= 0 && t != TARGET_NONE && t != TARGET_MALLOC)
		return &alloc_target_kalloc;
	return NULL;
}

/* Text is the program its author wrote: read as target none (OPS.md 4),
 * unless its machine line carries a stamp. */
static enum op_target default_target(const char *path, int is_text, const uint8_t *hdr)
{
	enum op_target t = is_text ? TARGET_NONE : target_of_path(path);

	if (t == TARGET_NONE && hdr && hdr_target(hdr) >= 0)
		t = (enum op_target)hdr_target(hdr);
	return t;
}

/* The allocator a program runs on when no --alloc says: kalloc for kalloc's
 * own fuzz targets @t (they run nothing else, whatever random bytes a raw
 * crash file has in its stamp), else the path's, else the stamp's. */
static const struct alloc_target *default_alloc(const char *path, const uint8_t *hdr, enum op_target t)
{
	const struct alloc_target *a = alloc_of_path(path);

	if (t == TARGET_HEAP)		/* what fuzz_heap runs on */
		return &alloc_target_kalloc_proc;
	if (t != TARGET_NONE && t != TARGET_MALLOC)
		return &alloc_target_kalloc;

	if (!a && hdr && stamp_alloc(hdr)) {
		a = alloc_target_find(stamp_alloc(hdr));
		if (!a) {
			/* Never run it on kalloc instead: its heap ops would all be
			 * no-ops and anything would pass. */
			fprintf(stderr, "kfz: %s is stamped alloc=%s, which this kfz does not have (%s); "
				"for a user's adapter use the kfz built with ALLOC_SRC= (make replay ALLOC_SRC=...)\n",
				path, stamp_alloc(hdr), alloc_target_names());
			exit(2);	/* usage: the program needs another kfz */
		}
	}
	return a ? a : &alloc_target_kalloc;
}

/* Can @a be opened here?  Once per allocator; the reason goes to stderr. */
static int alloc_ready(const struct alloc_target *a)
{
	static const struct alloc_target *ok[16];
	static const uint8_t hdr[8];
	char err[300] = "";
	unsigned int i;
	void *inst;

	for (i = 0; i < 16 && ok[i]; i++)
		if (ok[i] == a)
			return 1;
	inst = a->open(hdr, err, sizeof(err));
	if (!inst) {
		fprintf(stderr, "kfz: %s\n", err[0] ? err : a->name);
		explained = 1;
		return 0;
	}
	a->close(inst);
	if (i < 16)
		ok[i] = a;
	return 1;
}

/* Leading --target=T and --alloc=A, in either order.  *@t is -1 and *@a
 * NULL when not given. */
static int opt_target_alloc(int *argc, char ***argv, int *t, const struct alloc_target **a)
{
	*t = -1;
	if (a)
		*a = NULL;
	while (*argc > 0) {
		const char *arg = (*argv)[0];

		if (!strncmp(arg, "--target=", 9)) {
			*t = target_parse(arg + 9);
			if (*t < 0) {
				fprintf(stderr, "kfz: unknown target %s (none, buddy, slab, kmalloc, mixed, malloc)\n",
					arg + 9);
				explained = 1;
				return -1;
			}
		} else if (a && !strncmp(arg, "--alloc=", 8)) {
			*a = alloc_target_find(arg + 8);
			if (!*a) {
				fprintf(stderr, "kfz: unknown allocator %s (choices: %s)\n", arg + 8,
					alloc_target_names());
				explained = 1;
				return -1;
			}
		} else {
			break;
		}
		(*argc)--;
		(*argv)++;
	}
	return 0;
}

static int opt_target(int *argc, char ***argv, int *t)
{
	return opt_target_alloc(argc, argv, t, NULL);
}

static int cmd_decode(int argc, char **argv)
{
	struct prog p;
	int t, is_text;

	if (opt_target(&argc, &argv, &t) || argc != 1)
		return 2;
	if (load_as(argv[0], &p, &is_text))
		return 2;
	prog_retarget(&p, t >= 0 ? (enum op_target)t : default_target(argv[0], is_text, p.hdr));
	prog_canon(&p);
	prog_print(&p, stdout);
	return 0;
}

static int write_bin(const struct prog *p, const char *path)
{
	static uint8_t buf[OPS_HDR + OPS_MAX * OPS_REC];
	size_t n = prog_bytes(p, buf, sizeof(buf));
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(buf, 1, n, f) != n) {
		fprintf(stderr, "kfz: cannot write %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

static int write_txt(const struct prog *p, const char *path, const char *comment)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "kfz: cannot write %s\n", path);
		return -1;
	}
	if (comment)
		fprintf(f, "# %s\n", comment);
	prog_print(p, f);
	return fclose(f);
}

static int cmd_encode(int argc, char **argv)
{
	struct prog p;

	if (argc != 2)
		return 2;
	if (load(argv[0], &p))
		return 2;
	prog_canon(&p);
	return write_bin(&p, argv[1]) ? 2 : 0;
}

/* The allocator the last run_one() ran on. */
static const struct alloc_target *last_alloc;
/* kfz run --plot: where run_one() writes the fragmentation table. */
static FILE *frag_out;

static int run_one(const char *path, int t, const struct alloc_target *a, FILE *trace,
		   struct violation *v, unsigned long long *digest)
{
	static struct prog p;
	struct run_opts o = { .target = TARGET_NONE, .trace = trace, .digest = digest, .frag = frag_out };
	char hdr[200];
	int is_text;

	if (load_as(path, &p, &is_text))
		return 2;
	o.target = t >= 0 ? (enum op_target)t : default_target(path, is_text, p.hdr);
	o.alloc = last_alloc = a ? a : default_alloc(path, p.hdr, o.target);
	if (!alloc_ready(o.alloc))
		return 2;
	if (!trace && is_text && target_of_path(path) != TARGET_NONE) {
		/* A seed's text must mean the same to its fuzz target. */
		static struct prog q;

		q = p;
		prog_retarget(&q, target_of_path(path));
		if (memcmp(q.rec, p.rec, (size_t)p.n * OPS_REC)) {
			memset(v, 0, sizeof(*v));
			snprintf(v->what, sizeof(v->what), "seed");
			snprintf(v->expected, sizeof(v->expected), "only ops of target %s (OPS.md 4)",
				 target_name(target_of_path(path)));
			snprintf(v->found, sizeof(v->found), "ops the target reads differently");
			return EXIT_VIOLATION;
		}
	}
	if (trace) {
		hdr_format(p.hdr, hdr, sizeof(hdr));
		fprintf(trace, "# %s: %u ops, read as target %s on %s\n%s\n", path, p.n,
			target_name(o.target), o.alloc->name, hdr);
	}
	hang_arm(path);
	{
		int r = model_run(&p, &o, v) ? EXIT_VIOLATION : 0;

		hang_arm(NULL);
		return r;
	}
}

/* kfz run --plot=PNG: the unusable free index (Linux's
 * /sys/kernel/debug/extfrag/unusable_index, computed by the library) of
 * every zone and order after each op of one program, drawn by gnuplot;
 * the table beside it as PNG.csv. */
static int plot_frag(const char *csv, const char *png, const char *title)
{
	static const char *const zones[] = { "Normal", "DMA" };
	char gp[4200], line[512], cmd[4400];
	int have[2] = { 0, 0 }, n = 0, rc;
	FILE *f = fopen(csv, "r"), *g;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		for (int z = 0; z < 2; z++) {
			char key[16];

			snprintf(key, sizeof(key), ",%s,", zones[z]);
			have[z] |= strstr(line, key) != NULL;
		}
	fclose(f);
	n = have[0] + have[1];
	snprintf(gp, sizeof(gp), "%s.gp", csv);
	if (!n || !(g = fopen(gp, "w")))
		return -1;
	fprintf(g, "set terminal pngcairo size 900,%d noenhanced\nset output '%s'\nset datafile separator ','\n"
		"set multiplot layout %d,1 title 'unusable free index per order: %s'\nset yrange [0:1.05]\n"
		"set key outside right\nset xlabel 'op (-1: boot)'\nunset colorbox\nset palette rgb 33,13,10\n",
		n * 350, png, n, title);
	for (int z = 0; z < 2; z++)
		if (have[z])
			fprintf(g, "set title '%s'\nplot for [k=0:10] '< grep \",%s,\" %s' using 1:(column(k+3)/1000.0) "
				"with steps lw 2 lc palette frac k/10.0 title sprintf('order %%d', k)\n",
				zones[z], zones[z], csv);
	fprintf(g, "unset multiplot\n");
	fclose(g);
	snprintf(cmd, sizeof(cmd), "command -v gnuplot >/dev/null || { echo 'kfz: --plot needs gnuplot "
		 "(apt-get install gnuplot-nox)' >&2; exit 2; }; gnuplot '%s'", gp);
	rc = system(cmd);
	unlink(gp);
	return rc ? -1 : 0;
}

static int cmd_run(int argc, char **argv)
{
	const struct alloc_target *a;
	struct violation v;
	const char *plot = NULL;
	char csv[4096] = "";
	int t, rc = 0;

	if (argc > 0 && !strncmp(argv[0], "--plot=", 7)) {
		plot = argv[0] + 7;
		argc--;
		argv++;
	}
	if (opt_target_alloc(&argc, &argv, &t, &a))
		return 2;
	if (!plot && argc > 0 && !strncmp(argv[0], "--plot=", 7)) {
		plot = argv[0] + 7;
		argc--;
		argv++;
	}
	if (argc < 1)
		return 2;
	if (plot) {
		if (argc != 1 || !*plot) {
			fprintf(stderr, "kfz: run --plot=PNG takes one program\n");
			explained = 1;
			return 2;
		}
		snprintf(csv, sizeof(csv), "%s.csv", plot);
		frag_out = fopen(csv, "w");
		if (!frag_out) {
			fprintf(stderr, "kfz: cannot write %s\n", csv);
			explained = 1;
			return 2;
		}
	}
	for (int i = 0; i < argc; i++) {
		int r = run_one(argv[i], t, a, stdout, &v, NULL);

		if (r == EXIT_VIOLATION) {
			fflush(stdout);
			violation_print(&v, stdout);
		} else if (!r) {
			printf("OK: every check passed, teardown restored the boot state\n");
		}
		if (r > rc)
			rc = r;
	}
	if (plot) {
		fclose(frag_out);
		frag_out = NULL;
		if (last_alloc && !(last_alloc->caps & TCAP_KALLOC)) {
			fprintf(stderr, "kfz: --plot shows kalloc's buddy allocator; %s has none\n", last_alloc->name);
			explained = 1;
			return rc > 2 ? rc : 2;
		}
		if (plot_frag(csv, plot, argv[0])) {
			fprintf(stderr, "kfz: no plot written\n");
			explained = 1;
			return rc > 2 ? rc : 2;
		}
		printf("plot: %s (table %s)\n", plot, csv);
	}
	return rc;
}

/* Write the target and allocator into each file's header: the bytes h6 and
 * h7 of a binary file (the rest stays as the fuzzer ran it; a file shorter
 * than the header is padded with the zeros it was read with), the machine
 * line of a text file. */
static int stamp_file(const char *path, int t, const struct alloc_target *a)
{
	static struct prog p;
	size_t pl = strlen(path), len;
	unsigned char *buf;
	FILE *f;
	int rc;

	if (pl > 4 && !strcmp(path + pl - 4, ".txt")) {
		if (load(path, &p))
			return 2;
		stamp_set(p.hdr, t, a);
		return write_txt(&p, path, "stamped by kfz stamp") ? 2 : 0;
	}
	if (read_all(path, &buf, &len))
		return 2;
	if (len < OPS_HDR) {
		unsigned char *nb = realloc(buf, OPS_HDR + 1);

		if (!nb) {
			free(buf);
			return 2;
		}
		buf = nb;
		memset(buf + len, 0, OPS_HDR - len);
		len = OPS_HDR;
	}
	stamp_set(buf, t, a);
	f = fopen(path, "wb");
	rc = !f || fwrite(buf, 1, len, f) != len;
	if (f && fclose(f))
		rc = 1;
	free(buf);
	if (rc) {
		fprintf(stderr, "kfz: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

static int cmd_stamp(int argc, char **argv)
{
	const struct alloc_target *a;
	int t, rc = 0;

	if (opt_target_alloc(&argc, &argv, &t, &a) || argc < 1)
		return 2;
	for (int i = 0; i < argc; i++) {
		int r = stamp_file(argv[i], t, a);

		rc = r > rc ? r : rc;
	}
	return rc;
}

/* The target and allocator FILE runs on, by the rules above: "malloc glibc". */
static int cmd_which(int argc, char **argv)
{
	static struct prog p;
	const struct alloc_target *a;
	int t, is_text;

	if (opt_target_alloc(&argc, &argv, &t, &a) || argc != 1)
		return 2;
	if (load_as(argv[0], &p, &is_text))
		return 2;
	{
		enum op_target wt = t >= 0 ? (enum op_target)t : default_target(argv[0], is_text, p.hdr);

		printf("%s %s\n", target_name(wt), alloc_key(a ? a : default_alloc(argv[0], p.hdr, wt)));
	}
	return 0;
}

/* Every allocator this kfz knows, and whether it opens here. */
static int cmd_allocs(int argc, char **argv)
{
	char names[128], *save = NULL;
	int bad = 0;

	(void)argv;
	if (argc)
		return 2;
	snprintf(names, sizeof(names), "%s", alloc_target_names());
	for (char *n = strtok_r(names, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
		const struct alloc_target *a = alloc_target_find(n);
		static const uint8_t hdr[8];
		char err[300] = "";
		void *inst = a->open(hdr, err, sizeof(err));

		if (inst)
			a->close(inst);
		else
			bad = 1;
		printf("%-15s caps %#06x  %-4s %s\n", n, a->caps, inst ? "ok" : "FAIL", inst ? a->what : err);
	}
	return bad ? 2 : 0;
}

/* ---- regress ------------------------------------------------------------- */
static int skip_name(const char *name)
{
	static const char *const ext[] = { ".dict", ".options", ".md", ".sh", ".zip" };
	size_t n = strlen(name);

	if (name[0] == '.' || !strcmp(name, "README"))
		return 1;
	for (unsigned int i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);
		if (n > e && !strcmp(name + n - e, ext[i]))
			return 1;
	}
	return 0;
}

/* The op language's promise (OPS.md 3): canonical text -> bytes -> text is
 * the identity, and text -> bytes -> text -> bytes gives the same bytes.
 * 0, or -1 with the reason printed. */
static int roundtrip(const char *path)
{
	static struct prog a, b;
	static uint8_t ba[OPS_HDR + OPS_MAX * OPS_REC], bb[sizeof(ba)];
	char *t1 = NULL, *t2 = NULL, err[200];
	size_t n1, n2, la, lb;
	FILE *f;
	int rc = -1;

	if (load(path, &a))
		return -1;
	prog_canon(&a);
	la = prog_bytes(&a, ba, sizeof(ba));
	f = open_memstream(&t1, &n1);
	prog_print(&a, f);
	fclose(f);
	if (prog_parse(t1, &b, err, sizeof(err))) {
		printf("FAIL %s: its canonical text does not parse: %s\n", path, err);
		goto out;
	}
	lb = prog_bytes(&b, bb, sizeof(bb));
	f = open_memstream(&t2, &n2);
	prog_print(&b, f);
	fclose(f);
	if (la != lb || memcmp(ba, bb, la) || strcmp(t1, t2)) {
		printf("FAIL %s: text -> bytes -> text is not the identity\n", path);
		goto out;
	}
	rc = 0;
out:
	free(t1);
	free(t2);
	return rc;
}

static void regress(const char *path, const struct alloc_target *a, unsigned int *pass, unsigned int *fail)
{
	struct stat st;
	struct violation v;

	if (stat(path, &st)) {
		fprintf(stderr, "kfz: %s: %s\n", path, strerror(errno));
		++*fail;
		return;
	}
	/* fuzz_text's inputs are parser input, not programs (some must be
	 * refused): its replay main replays them (make regress). */
	if (strstr(path, "fuzz_text/") || (strlen(path) >= 9 && !strcmp(path + strlen(path) - 9, "fuzz_text")))
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0;

		if (!d)
			return;
		while ((e = readdir(d))) {
			if (skip_name(e->d_name))
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = strdup(e->d_name);
		}
		closedir(d);
		/* Sorted, so the output is the same on every machine. */
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				if (strcmp(names[i], names[j]) > 0) {
					char *x = names[i];
					names[i] = names[j];
					names[j] = x;
				}
		for (size_t i = 0; i < n; i++) {
			char sub[4096];

			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]);
			regress(sub, a, pass, fail);
			free(names[i]);
		}
		free(names);
		return;
	}
	unsigned long long d1 = 0, d2 = 0;
	/* corpus/findings/: what a third-party allocator got wrong.  Each must
	 * still fail there; the day one passes, the library changed (say so). */
	int finding = strstr(path, "findings/") != NULL;
	int rc;

	if (roundtrip(path)) {
		++*fail;
		return;
	}
	rc = run_one(path, -1, a, NULL, &v, &d1);
	if (finding) {
		if (rc == EXIT_VIOLATION) {
			++*pass;
		} else {
			printf("FAIL %s: a known finding no longer reproduces (fixed in the library?)\n", path);
			++*fail;
		}
		return;
	}
	switch (rc) {
	case 0:
		/* Determinism: the same program, the same run - for kalloc, whose
		 * machine is the program's alone.  A process-wide malloc puts a
		 * block where everything the process did before leaves room. */
		if (!(last_alloc->caps & TCAP_KALLOC)) {
			++*pass;
			break;
		}
		if (run_one(path, -1, a, NULL, &v, &d2) || d1 != d2) {
			printf("FAIL %s: a second run differs (results digest %llx vs %llx)\n", path, d1, d2);
			++*fail;
			break;
		}
		++*pass;
		break;
	case EXIT_VIOLATION:
		printf("FAIL %s\n", path);
		violation_print(&v, stdout);
		++*fail;
		break;
	default:
		printf("FAIL %s: cannot load\n", path);
		++*fail;
	}
}

static int cmd_regress(int argc, char **argv)
{
	const struct alloc_target *a = NULL;
	unsigned int pass = 0, fail = 0;

	if (argc > 0 && !strncmp(argv[0], "--alloc=", 8)) {
		a = alloc_target_find(argv[0] + 8);
		if (!a) {
			fprintf(stderr, "kfz: unknown allocator %s (choices: %s)\n", argv[0] + 8,
				alloc_target_names());
			explained = 1;
			return 2;
		}
		if (!alloc_ready(a))
			return 2;
		argc--;
		argv++;
	}
	for (int i = 0; i < argc; i++)
		regress(argv[i], a, &pass, &fail);
	printf("regress: %u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}

/* ---- shrink --------------------------------------------------------------
 * The failure to keep is a signature: "V:<what>/<op>" for a model violation,
 * "S:<the sanitizer's SUMMARY line>" for a sanitizer report, "T:timeout"
 * for a run over KFZ_SHRINK_TIMEOUT seconds (10), "X:<status>" for anything
 * else.  Every candidate runs in a forked child, so a sanitizer
 * report (which kills the process) is just another outcome.
 */
#define SIG_LEN 300

static void signature(const struct prog *p, enum op_target t, const struct alloc_target *a, char *sig)
{
	char tmpl[] = "/tmp/kfz-shrink-XXXXXX";
	int fd = mkstemp(tmpl), pfd[2], status = 0;
	pid_t pid;

	sig[0] = 0;
	if (fd < 0 || pipe(pfd)) {
		snprintf(sig, SIG_LEN, "X:tmp");
		return;
	}
	unlink(tmpl);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct run_opts o = { .target = t, .alloc = a };
		struct violation v;
		char key[SIG_LEN];

		close(pfd[0]);
		dup2(fd, 2);
		/* An allocator that loops forever is a failure of its own kind
		 * ("T:timeout"), not a hang of the shrinker. */
		alarm(getenv("KFZ_SHRINK_TIMEOUT") ? (unsigned int)atoi(getenv("KFZ_SHRINK_TIMEOUT")) : 10);
		if (model_run(p, &o, &v)) {
			violation_key(&v, key, sizeof(key));
			if (write(pfd[1], key, strlen(key)) < 0)
				_exit(4);
			_exit(EXIT_VIOLATION);
		}
		_exit(0);
	}
	close(pfd[1]);
	{
		char key[SIG_LEN] = "";
		ssize_t n = read(pfd[0], key, sizeof(key) - 1);

		key[n > 0 ? n : 0] = 0;
		close(pfd[0]);
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			snprintf(sig, SIG_LEN, "OK");
		} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
			snprintf(sig, SIG_LEN, "T:timeout");
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_VIOLATION) {
			snprintf(sig, SIG_LEN, "V:%s", key);
		} else {
			/* A sanitizer: its SUMMARY line names the kind and place. */
			char line[512];
			FILE *f = fdopen(dup(fd), "r");

			snprintf(sig, SIG_LEN, "X:status %d", status);
			if (f) {
				rewind(f);
				while (fgets(line, sizeof(line), f))
					if (!strncmp(line, "SUMMARY:", 8)) {
						line[strcspn(line, "\n")] = 0;
						snprintf(sig, SIG_LEN, "S:%.290s", line);
						break;
					}
				fclose(f);
			}
		}
	}
	close(fd);
}

struct shrinker {
	enum op_target t;
	const struct alloc_target *alloc;
	char want[SIG_LEN];
	unsigned long tries, budget;
	time_t deadline;
};

/* Keep @cand if it fails the same way; returns 1 if kept. */
static int try_cand(struct shrinker *sh, struct prog *best, struct prog *cand)
{
	char sig[SIG_LEN];

	prog_canon(cand);
	if (cand->n == best->n && !memcmp(cand->hdr, best->hdr, OPS_HDR) &&
	    !memcmp(cand->rec, best->rec, (size_t)cand->n * OPS_REC))
		return 0;
	if (sh->tries >= sh->budget || time(NULL) > sh->deadline)
		return 0;
	sh->tries++;
	signature(cand, sh->t, sh->alloc, sig);
	if (strcmp(sig, sh->want))
		return 0;
	*best = *cand;
	return 1;
}

/* Which slot fields an op uses: its b1 as a p-slot or a c-slot, its b6 as a c-slot. */
static int uses_p(const uint8_t *r)
{
	unsigned int op = rec_op(r);

	switch (op) {
	case OP_CACHE_CREATE: case OP_CACHE_SHRINK: case OP_CACHE_DESTROY: case OP_CHECK: case OP_FAIL:
	case OP_SET_CPU: case OP_DRAIN: case OP_FOREIGN: case OP_SLABINFO: case OP_BUDDYINFO: case OP_VALIDATE:
		return 0;
	default:
		return op < NR_DEFINED_OPS;
	}
}
static int uses_c1(const uint8_t *r)
{
	unsigned int op = rec_op(r);
	return op == OP_CACHE_CREATE || op == OP_CACHE_SHRINK || op == OP_CACHE_DESTROY || op == OP_VALIDATE;
}
static int uses_c6(const uint8_t *r)
{
	unsigned int op = rec_op(r);
	return op == OP_CACHE_ALLOC || op == OP_WRONG_CACHE ||
	       (op == OP_FOREIGN && rec_foreign(r) == FOREIGN_CACHE_FREE);
}

/* Swap the names of slots @a and @b (p-slots if @cache is 0, else c-slots)
 * in every record, so that a shrunk program reads p0, p1, c0 ... */
static void swap_slots(struct prog *p, int cache, unsigned int a, unsigned int b)
{
	for (unsigned int i = 0; i < p->n; i++) {
		uint8_t *r = p->rec[i];
		unsigned int v;

		if ((!cache && uses_p(r)) || (cache && uses_c1(r))) {
			v = cache ? rec_c(r) : rec_p(r);
			if (v == a || v == b)
				r[1] = (uint8_t)(v == a ? b : a);
		}
		if (cache && uses_c6(r)) {
			v = rec_c6(r);
			if (v == a || v == b)
				r[6] = (uint8_t)(v == a ? b : a);
		}
	}
}

/* Slots in order of first use get the lowest numbers. */
static int shrink_slots(struct shrinker *sh, struct prog *best)
{
	static struct prog cand;
	int progress = 0;

	for (int cache = 0; cache <= 1; cache++) {
		unsigned int next = 0;
		int done[NR_PSLOTS] = { 0 };

		for (unsigned int i = 0; i < best->n; i++) {
			const uint8_t *r = best->rec[i];
			unsigned int slots[2], ns = 0;

			if (!cache && uses_p(r))
				slots[ns++] = rec_p(r);
			if (cache && uses_c1(r))
				slots[ns++] = rec_c(r);
			if (cache && uses_c6(r))
				slots[ns++] = rec_c6(r);
			for (unsigned int k = 0; k < ns; k++) {
				unsigned int from = slots[k];

				if (done[from])
					continue;
				done[from] = 1;
				if (from != next) {
					cand = *best;
					swap_slots(&cand, cache, from, next);
					if (try_cand(sh, best, &cand)) {
						progress = 1;
						return progress;	/* indices moved: start over */
					}
				}
				next++;
			}
		}
	}
	return progress;
}

static int shrink_pass(struct shrinker *sh, struct prog *best)
{
	static struct prog cand;
	int progress = 0;

	/* Drop runs of ops, long runs first. */
	for (unsigned int chunk = best->n / 2 ? best->n / 2 : 1; chunk >= 1; chunk /= 2) {
		for (unsigned int i = 0; i + chunk <= best->n;) {
			cand = *best;
			memmove(cand.rec[i], cand.rec[i + chunk], (size_t)(best->n - i - chunk) * OPS_REC);
			cand.n -= chunk;
			if (try_cand(sh, best, &cand))
				progress = 1;
			else
				i += chunk;
		}
		if (chunk == 1)
			break;
	}
	/* Simpler arguments: each byte to 0, then halved. */
	for (unsigned int i = 0; i < best->n; i++)
		for (int j = 1; j < OPS_REC; j++) {
			if (!best->rec[i][j])
				continue;
			cand = *best;
			cand.rec[i][j] = 0;
			if (try_cand(sh, best, &cand)) {
				progress = 1;
				continue;
			}
			cand = *best;
			cand.rec[i][j] /= 2;
			progress |= try_cand(sh, best, &cand);
		}
	/* A simpler machine. */
	for (int j = 0; j < OPS_HDR; j++) {
		if (!best->hdr[j])
			continue;
		cand = *best;
		cand.hdr[j] = 0;
		progress |= try_cand(sh, best, &cand);
	}
	return progress;
}

static int cmd_shrink(int argc, char **argv)
{
	static struct prog p, like;
	struct shrinker sh = { 0 };
	char txt[4096], note[400], sig[SIG_LEN];
	const char *like_path = NULL;
	const struct alloc_target *a;
	enum op_target tt;
	int t, is_text;

	if (opt_target_alloc(&argc, &argv, &t, &a))
		return 2;
	if (argc > 0 && !strncmp(argv[0], "--like=", 7)) {
		like_path = argv[0] + 7;
		argc--;
		argv++;
	}
	if (argc != 2)
		return 2;
	if (load_as(argv[0], &p, &is_text) || (like_path && load(like_path, &like)))
		return 2;
	tt = t >= 0 ? (enum op_target)t : default_target(like_path ? like_path : argv[0], is_text,
							  like_path ? like.hdr : p.hdr);
	sh.alloc = a ? a : default_alloc(like_path ? like_path : argv[0], like_path ? like.hdr : p.hdr, tt);
	if (!alloc_ready(sh.alloc))
		return 2;
	/* From here on the program is what the target executed. */
	prog_retarget(&p, tt);
	prog_canon(&p);
	sh.t = TARGET_NONE;
	if (like_path) {
		/* Keep the failure of the original: a byte-level minimiser may
		 * have wandered to another one. */
		prog_retarget(&like, tt);
		prog_canon(&like);
		signature(&like, sh.t, sh.alloc, sh.want);
		signature(&p, sh.t, sh.alloc, sig);
		if (strcmp(sig, sh.want)) {
			fprintf(stderr, "kfz shrink: %s fails differently (%s); starting from %s\n",
				argv[0], sig, like_path);
			p = like;
		}
	}
	sh.budget = getenv("KFZ_SHRINK_RUNS") ? strtoul(getenv("KFZ_SHRINK_RUNS"), NULL, 0) : 20000;
	sh.deadline = time(NULL) + (getenv("KFZ_SHRINK_SECONDS") ?
				    strtol(getenv("KFZ_SHRINK_SECONDS"), NULL, 0) : 120);
	if (!like_path)
		signature(&p, sh.t, sh.alloc, sh.want);
	if (!strcmp(sh.want, "OK")) {
		fprintf(stderr, "kfz shrink: %s does not fail; nothing to shrink\n", argv[0]);
		return 1;
	}
	fprintf(stderr, "kfz shrink: keeping failure %s (%u ops)\n", sh.want, p.n);
	while (shrink_pass(&sh, &p))
		;
	while (shrink_slots(&sh, &p))
		;
	/* The result names what it fails on, wherever it is moved. */
	stamp_set(p.hdr, tt, sh.alloc);
	snprintf(txt, sizeof(txt), "%s.txt", argv[1]);
	snprintf(note, sizeof(note), "minimised by kfz shrink: %u ops, failure %s", p.n, sh.want);
	if (write_bin(&p, argv[1]) || write_txt(&p, txt, note))
		return 2;
	fprintf(stderr, "kfz shrink: %u ops after %lu runs -> %s, %s\n", p.n, sh.tries, argv[1], txt);
	prog_print(&p, stdout);
	return 0;
}

/* A libFuzzer dictionary: every distinct record of the given programs, so
 * that mutations splice in whole, meaningful ops. */
static int cmd_dict(int argc, char **argv)
{
	static struct prog p;
	static uint8_t seen[4096][OPS_REC];
	unsigned int n = 0;

	printf("# kfz dict: whole 8-byte records (harness/OPS.md 1.2) from the seeds;\n"
	       "# regenerate with `make corpus-dict` after changing them.\n");
	for (int i = 0; i < argc; i++) {
		if (load(argv[i], &p))
			return 2;
		prog_canon(&p);
		for (unsigned int r = 0; r < p.n && n < 4096; r++) {
			unsigned int k;

			for (k = 0; k < n; k++)
				if (!memcmp(seen[k], p.rec[r], OPS_REC))
					break;
			if (k < n)
				continue;
			memcpy(seen[n], p.rec[r], OPS_REC);
			printf("rec%u=\"", n++);
			for (int b = 0; b < OPS_REC; b++)
				printf("\\x%02x", p.rec[r][b]);
			printf("\"\n");
		}
	}
	return 0;
}

/* fuzz_text's dictionary: the words of the text language, from ops.def's
 * tables (op names, machine keys, GFP and cache flags, cache names). */
static int cmd_textdict(int argc, char **argv)
{
	static const char *const words[] = {
		"machine(", "pages=", "dma=", "cpus=", "profile=", "poison=", "max_order=", "target=", "alloc=",
		"default", "classic", "GFP_KERNEL", "SIZE_MAX", "SIZE_MAX >> ", "ctor", "NULL", " = ", ", ", " | ",
		")", "\\x0a", "# ", "p0", "p31", "c0", "c7", "0x", "+",
	};
	unsigned int n = 0;

	(void)argv;
	if (argc)
		return 2;
	printf("# kfz textdict: the words of the text form (harness/OPS.md), for fuzz_text;\n"
	       "# regenerate with `make corpus-dict`.\n");
	for (unsigned int i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		printf("w%u=\"%s\"\n", n++, words[i]);
	for (unsigned int op = 0; op < NR_OPS; op++)
		if (op_text(op))
			printf("w%u=\"%s(\"\n", n++, op_name(op));
	for (unsigned int i = 0; (1u << i) < OPF_GFP_MOD; i++)
		printf("w%u=\"%s\"\n", n++, gfp_bit_names[i]);
	for (unsigned int i = 0; (1u << i) < OPF_FLAGS_MOD; i++)
		printf("w%u=\"%s\"\n", n++, cache_flag_names[i]);
	for (unsigned int i = 0; i < NR_CACHE_NAMES; i++)
		printf("w%u=\"\\\"%s\\\"\"\n", n++, cache_names[i]);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kfz decode [--target=T] FILE\n"
		"       kfz encode FILE OUT\n"
		"       kfz run [--plot=PNG] [--target=T] [--alloc=A] FILE...   (--plot: fragmentation per op)\n"
		"       kfz regress [--alloc=A] PATH...\n"
		"       kfz dict FILE...                   libFuzzer dictionary of their records\n"
		"       kfz textdict                       libFuzzer dictionary of the text form's words\n"
		"       kfz shrink [--target=T] [--alloc=A] [--like=ORIGINAL] FILE OUT\n"
		"       kfz stamp [--target=T] [--alloc=A] FILE...   name them in the header (h6, h7)\n"
		"       kfz which [--target=T] [--alloc=A] FILE   the target and allocator FILE runs on\n"
		"       kfz allocs                         the allocators and whether each opens here\n"
		"targets: none buddy slab kmalloc mixed malloc; allocators: %s\n"
		"(default: flags, then a fuzz_<t>[-<alloc>] path, then the header's stamps, else none on kalloc)\n",
		alloc_target_names());
}

int main(int argc, char **argv)
{
	int rc = 2;

	/* jemalloc is dlopen'd and needs the static-TLS tunable (target.h). */
	alloc_target_exec_prepare(argv);
	if (argc < 2) {
		usage();
		return 2;
	}
	if (!strcmp(argv[1], "decode"))
		rc = cmd_decode(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "encode"))
		rc = cmd_encode(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "run"))
		rc = cmd_run(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "regress"))
		rc = cmd_regress(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "dict"))
		rc = cmd_dict(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "textdict"))
		rc = cmd_textdict(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "shrink"))
		rc = cmd_shrink(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "stamp"))
		rc = cmd_stamp(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "which"))
		rc = cmd_which(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "allocs"))
		return cmd_allocs(argc - 2, argv + 2);
	if (rc == 2 && argc >= 2 && !explained)
		usage();
	return rc;
}
