/*
 * replay.c - runs a fuzz target's corpus as an ordinary test: every file in
 * the directories named on the command line is fed to LLVMFuzzerTestOneInput,
 * and with --random N, N buffers of random bytes too (a fixed seed, so a
 * failure repeats; sizes up to 256, bytes biased towards the ones that
 * matter to text: controls, ESC, UTF-8 lead and continuation bytes).
 * Built with any compiler; a crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	size_t got = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
	fclose(f);
	if (!buf)
		return -1;
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--random") && i + 1 < argc) {
			unsigned long n = strtoul(argv[++i], NULL, 10);
			uint64_t x = 0x9e3779b97f4a7c15u;
			static const uint8_t hot[] = { 0x00, 0x07, 0x08, 0x0a, 0x0d, 0x1b, 0x7f,
						       0x9b, 0xc2, 0xe2, 0x80, 0xae, 0x8e, 0xef,
						       0xbb, 0xbf, 0xf0, 0xff, '[', ']', ';', '=' };
			uint8_t buf[256];
			for (unsigned long k = 0; k < n; k++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				size_t len = (size_t)(x % sizeof(buf));
				for (size_t j = 0; j < len; j++) {
					x ^= x << 13, x ^= x >> 7, x ^= x << 17;
					buf[j] = x & 1 ? hot[(x >> 8) % sizeof(hot)] : (uint8_t)(x >> 16);
				}
				LLVMFuzzerTestOneInput(buf, len);
				count++;
			}
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			fprintf(stderr, "replay: cannot open corpus %s\n", argv[i]);
			return 1;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (replay_file(path) < 0)
				failed++;
			count++;
		}
		closedir(d);
	}
	printf("%u passed, %u failed\n", count - failed, failed);
	return count == 0 || failed ? 1 : 0;
}
