/* replay_main.c - a plain main() for the fuzz targets, so that any compiler
 * (gcc included) replays inputs without libFuzzer: `fuzz_slab-replay FILE|DIR...`.
 * A violation traps exactly as under libFuzzer.  A target's
 * LLVMFuzzerInitialize (fuzz_malloc's opens its allocator) runs first, as
 * libFuzzer runs it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"

/* Each input runs under an alarm of $KFZ_TIMEOUT seconds (10; 0: none): a
 * hang is reported as one, with exit status 4, never waited on. */
static char hang_msg[600];

static void hang_handler(int sig)
{
	(void)sig;
	if (write(2, hang_msg, strlen(hang_msg)) < 0)
		_exit(4);
	_exit(4);
}

static void hang_arm(const char *path)
{
	const char *e = getenv("KFZ_TIMEOUT");
	unsigned int s = e && *e ? (unsigned int)strtoul(e, NULL, 10) : 10;

	if (!path || !s) {
		alarm(0);
		return;
	}
	snprintf(hang_msg, sizeof(hang_msg), "HANG: %s did not finish within %u s (KFZ_TIMEOUT)\n", path, s);
	signal(SIGALRM, hang_handler);
	alarm(s);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long len;

	if (!f) {
		perror(path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(buf);
		fprintf(stderr, "%s: read error\n", path);
		return 1;
	}
	fclose(f);
	fprintf(stderr, "replaying %s (%ld bytes)\n", path, len);
	hang_arm(path);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	hang_arm(NULL);
	free(buf);
	return 0;
}

static int replay(const char *path, unsigned int *n)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int bad = 0;

	if (stat(path, &st)) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*n;
		return replay_file(path);
	}
	d = opendir(path);
	if (!d)
		return 1;
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		bad |= replay(sub, n);
	}
	closedir(d);
	return bad;
}

/* Defined only by the targets that need one (fuzz.h). */
#pragma weak LLVMFuzzerInitialize

int main(int argc, char **argv)
{
	unsigned int n = 0;
	int bad = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	for (int i = 1; i < argc; i++)
		bad |= replay(argv[i], &n);
	fprintf(stderr, "replayed %u inputs without a violation\n", n);
	return bad;
}
