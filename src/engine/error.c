/*
 * error.c - the per-thread "last error" that callers read after a failure.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static _Thread_local struct {
	carve_error err;
	char message[1024];
} last_error = { { CARVE_OK, "" }, "" };

int carve_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error.message, sizeof(last_error.message), fmt, ap);
	va_end(ap);
	last_error.err.code = code;
	last_error.err.message = last_error.message;
	return code;
}

int carve_error_oom(void)
{
	return carve_error_set(CARVE_ENOMEM, "out of memory");
}

const carve_error *carve_error_last(void)
{
	last_error.err.message = last_error.message;
	return &last_error.err;
}
