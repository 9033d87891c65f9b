/*
 * winps.h - the Windows command line and output layer: how carve says things
 * to a Windows machine (PowerShell scripts sent as -EncodedCommand) and how it
 * reads what comes back (UTF-16LE, OEM code pages, CR CR LF).  Private to the
 * engine; the tests and the lab server include it too.
 *
 * Every function appends to its carve_buf out-parameter (owned by the
 * caller), returns 0 or a negative CARVE_E* code with the detail in
 * carve_error_last(), and on failure leaves the buffer as it was on entry.
 */
#ifndef CARVE_WINPS_H
#define CARVE_WINPS_H

#include "internal.h"

#include <stdint.h>

/* ------------------------------------------------------ sending commands */

/*
 * Appends value as a PowerShell single-quoted literal: '...' with every
 * single-quote character doubled.  PowerShell's tokenizer ends a literal at
 * any of ' U+2018 U+2019 U+201A U+201B, so all five are doubled (each with
 * itself, which is what the tokenizer keeps).  Nothing else is special inside
 * the literal: CR, LF, TAB, $, `, " and % stand for themselves, so they are
 * kept.  value must be valid UTF-8 (CARVE_EINVALID otherwise); the message
 * gives the offset, never the value, which may be a secret.
 *
 * The literal is safe wherever PowerShell parses an expression or a cmdlet
 * argument.  It is NOT safe as an argument to a native program (cmd, sc,
 * net, ...): Windows PowerShell 5.1 re-quotes such arguments without escaping
 * embedded double quotes, so templates must not hand values to native
 * programs unchecked.
 */
int carve_ps_quote(carve_buf *out, const char *value);

/*
 * Appends tmpl with every placeholder {{name}} (name: [A-Za-z_][A-Za-z0-9_]*,
 * no spaces) replaced by carve_ps_quote(values[i]) where names[i] is name.
 * tmpl is trusted text, values are not.  CARVE_EINVALID, naming the
 * placeholder and its line, when:
 *   - a placeholder has no value, or a name is given twice or never used;
 *   - "{{" does not start a well-formed placeholder;
 *   - a placeholder stands inside a string, here-string or comment of the
 *     template, or after --% (the value would be expanded or end a comment);
 *   - a placeholder directly follows a single quote, a backtick or '@', or
 *     directly precedes a single quote, or touches another placeholder: the
 *     literal would merge with its neighbour and could end early.
 * The template scan is deliberately simple and errs towards refusing.
 */
int carve_ps_script(carve_buf *out, const char *tmpl, const char *const *names,
		    const char *const *values, size_t n);

/* The command line carve_ps_command produces, up to the base64.
 * -ExecutionPolicy Bypass, for this process only (about_PowerShell.exe,
 * 2.0): the encoded command is no script file, but what it loads is:
 * Import-PSSession writes and imports a module of the Exchange server's
 * commands, which Windows Server 2008 R2's default policy (Restricted,
 * about_Execution_Policies) refuses. */
#define CARVE_PS_COMMAND_PREFIX \
	"powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "

/*
 * Appends CARVE_PS_COMMAND_PREFIX and the base64 of script in UTF-16LE (no
 * BOM, surrogate pairs outside the BMP).  script must be non-empty valid
 * UTF-8.  No length limit is applied, but Windows refuses command lines over
 * 32767 characters and cmd.exe (OpenSSH's default shell) over 8191, which
 * leaves room for about 3000 UTF-16 code units of script; a longer one needs
 * another way in.
 */
int carve_ps_command(carve_buf *out, const char *script);

/*
 * A PowerShell that stays up and reads its scripts from standard input, one
 * per SSH channel (issue 15: one start for many scripts, where a start is
 * most of what a check costs on a management host).  -Command - is
 * powershell.exe 2.0's (about_PowerShell.exe: "If the value of Command is
 * "-", the command text is read from standard input"), and reads it with
 * no prompts (-File - prints them: Windows PowerShell's command-line
 * parser).  stdin is read in the console's input code page, a line at a
 * time as if typed: carve_ps_frame makes every script one ASCII line.
 * Win32-OpenSSH before November 2017 cut stdin into 1 KiB pieces (its
 * issue 908), which no frame survives; remote_ps_open's first script
 * finds such a host out.
 */
#define CARVE_PS_HOST_COMMAND \
	"powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command -"

/*
 * Appends script (non-empty valid UTF-8) as one input line for
 * CARVE_PS_HOST_COMMAND, then an empty line:
 *
 *   & { '<nonce>|frame'; try { Invoke-Expression ([Text.Encoding]::UTF8.
 *   GetString([Convert]::FromBase64String('<base64 of script>'))) } catch {
 *   '<nonce>|failed'; $_.Exception.Message }; '<nonce>|done' }
 *
 * One complete statement, so the host runs it as soon as it has read it
 * (a statement left open would wait for an empty line, PowerShell issue
 * 3223); the script travels as base64, so neither the input code page nor
 * the host's line-by-line parsing touches it (and the 5.1.14393 host's
 * multi-line bug, PowerShell issue 2068, cannot); & { } gives it a scope
 * of its own, so nothing it sets stays for the next.  Its output is the
 * lines between the frame and done markers; a script that failed as a
 * whole (one that does not parse) prints the failed marker and the error.
 * nonce is printable ASCII without quotes.
 */
int carve_ps_frame(carve_buf *out, const char *script, const char *nonce);

/* carve_ps_decode_command's answer for CARVE_PS_HOST_COMMAND: the script
 * comes on standard input. */
#define CARVE_PS_STDIN 1

/*
 * The inverse of carve_ps_command, for the lab server: parses a command line
 * "powershell[.exe] [switches] -EncodedCommand <base64>" and appends the
 * script as UTF-8.  Program and switch names are case-insensitive and may be
 * abbreviated as powershell.exe allows (-e, -ec, -enc ... -EncodedCommand;
 * -nop, -noni, -nol, -ex/-ep <policy>); switches may start with - or /.
 * CARVE_EINVALID for anything else: another program, an unknown switch or
 * argument, no or two encoded commands, base64 that is not canonical with
 * padding, an odd number of bytes, an unpaired surrogate, U+0000.
 * "-Command -" (-c, -com ...) as the last argument instead of an encoded
 * command returns CARVE_PS_STDIN and appends nothing; -Command with a
 * script on the line is refused, as carve never sends one.
 */
int carve_ps_decode_command(carve_buf *script_out, const char *command_line);

/* ------------------------------------------------------- reading output */

typedef enum {
	CARVE_OEM_437, /* US English consoles */
	CARVE_OEM_850, /* Western European consoles (German, French, ...) */
} carve_oem_codepage;

/*
 * Appends what a Windows program wrote (raw, len bytes) as clean UTF-8:
 *
 *  1. Encoding, decided once for the whole input:
 *     - FF FE: UTF-16LE; the BOM is dropped.
 *     - no BOM, but more than half of the code units in the first 512 bytes
 *       have a NUL high byte and a non-NUL low byte: UTF-16LE.
 *       Unpaired surrogates and a dangling odd byte become U+FFFD.
 *     - EF BB BF is dropped, then: valid UTF-8 is kept as it is;
 *     - anything else is OEM text: bytes >= 0x80 are read through cp.
 *       (A few OEM byte pairs are also valid UTF-8, e.g. "├╝" is "ü";
 *       Windows text almost never contains them.)
 *  2. U+0000 is dropped.  Other control characters are kept.
 *  3. Line ends become LF: CR...CR LF is one line end (CRLF, and the
 *     CR CR LF of wmic and cmd pipes); every other CR is one line end.
 *  4. Spaces and tabs at the end of every line are removed; empty lines
 *     in the middle and at the start are kept, those at the end are not.
 *  5. Non-empty output ends with exactly one LF; input with nothing but
 *     whitespace gives "".
 *
 * Only fails with CARVE_ENOMEM.
 */
int carve_win_decode(carve_buf *out, const unsigned char *raw, size_t len,
		     carve_oem_codepage cp);

/* --------------------------------------- shared by winps_*.c, not API */

/* Decodes one UTF-8 sequence from s (len > 0 bytes available) into *cp;
 * returns its length (1-4), or 0 if it is not valid UTF-8 (overlong,
 * surrogate, above U+10FFFF, truncated). */
size_t carve_winps_utf8_decode(uint32_t *cp, const unsigned char *s, size_t len);

/* Appends cp (a Unicode scalar value) as UTF-8. */
void carve_winps_utf8_put(carve_buf *b, uint32_t cp);

/* Ends a winps call: turns a failed allocation into CARVE_ENOMEM and, on
 * any error, truncates out back to mark.  Returns the final code. */
int carve_winps_finish(carve_buf *out, size_t mark, int err);

#endif
