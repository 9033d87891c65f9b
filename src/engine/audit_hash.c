/*
 * audit_hash.c - the canonical serialisation the log's hashes are computed
 * over (see audit_internal.h), shared by the writers and verify.
 *
 * Every field carries its presence and length, so no two different rows
 * serialise to the same bytes: "ab" + "c" differs from "a" + "bc", and an
 * absent field differs from an empty one.
 */
#include "audit_internal.h"

#include <openssl/evp.h>

static void put_be(unsigned char *out, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

int audit_hash(unsigned char out[32], const audit_hash_input *in)
{
	unsigned char ints[16], head[5];
	unsigned int len = 0;
	int ok;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return carve_error_oom();
	put_be(ints, (uint64_t)in->ints[0], 8);
	put_be(ints + 8, (uint64_t)in->ints[1], 8);
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, ints, sizeof(ints));
	for (size_t i = 0; ok && i < in->field_count; i++) {
		if (in->len[i] > UINT32_MAX) {
			EVP_MD_CTX_free(ctx);
			return carve_error_set(CARVE_EINVALID, "a field is longer than 4 GiB");
		}
		head[0] = in->field[i] != NULL;
		put_be(head + 1, in->field[i] ? in->len[i] : 0, 4);
		ok = EVP_DigestUpdate(ctx, head, sizeof(head)) &&
		     (!in->field[i] || EVP_DigestUpdate(ctx, in->field[i], in->len[i]));
	}
	ok = ok && (!in->prev_hash || EVP_DigestUpdate(ctx, in->prev_hash, 32)) &&
	     EVP_DigestFinal_ex(ctx, out, &len) && len == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : carve_error_set(CARVE_ERROR, "SHA-256 failed");
}

void audit_hash_columns(audit_hash_input *in, sqlite3_stmt *st, int col, size_t n)
{
	in->field_count = n;
	for (size_t i = 0; i < n; i++, col++) {
		bool null = sqlite3_column_type(st, col) == SQLITE_NULL;
		in->field[i] = null ? NULL : (const char *)sqlite3_column_text(st, col);
		in->len[i] = null ? 0 : (size_t)sqlite3_column_bytes(st, col);
	}
}
