/*
 * windows.c - what a simulated Windows host does with an exec request.
 *
 * Win32-OpenSSH hands the command line to the default shell, cmd.exe
 * (cmd /c <line>); carve sends "powershell -NoProfile -NonInteractive
 * -EncodedCommand <base64>", or "... -Command -" for a PowerShell that
 * reads its scripts from stdin (lab_ps_open).  The script is decoded and
 * run by the lab's PowerShell 2.0 model (ps.h) as the session's account,
 * with the session's stdin: what it does is what the script's commands
 * do, nothing is recognised by keyword.  Anything else than powershell
 * gets cmd.exe's answer for a program it cannot find, except hostname.
 * A host with a replay directory answers from canned raw bytes first
 * (captures of what real machines printed).
 */
#include "lab.h"
#include "ps.h"
#include "winps.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool replay(lab_answer *a, const lab_host *h, const char *script)
{
	DIR *d = h->replay[0] ? opendir(h->replay) : NULL;
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 7 || strcmp(e->d_name + len - 6, ".match") != 0)
			continue;
		char path[1400];
		snprintf(path, sizeof(path), "%s/%s", h->replay, e->d_name);
		char *match = NULL;
		size_t mlen;
		if (carve_file_read(&match, &mlen, path, 512) == 0)
			match[strcspn(match, "\r\n")] = '\0';
		bool hit = match && match[0] && strstr(script, match);
		free(match);
		if (!hit)
			continue;
		found = true;
		static const char *const ext[] = { ".out", ".err", ".exit" };
		for (int k = 0; k < 3; k++) {
			char *data = NULL;
			size_t n = 0;
			snprintf(path, sizeof(path), "%s/%.*s%s", h->replay, (int)(len - 6),
				 e->d_name, ext[k]);
			/* A missing part is empty output (or exit status 0). */
			carve_file_read(&data, &n, path, 64 << 20);
			if (k == 0) {
				a->out = data, a->out_len = n;
			} else if (k == 1) {
				a->err = data, a->err_len = n;
			} else {
				a->exit_status = data ? atoi(data) : 0;
				free(data);
			}
		}
	}
	if (d)
		closedir(d);
	return found;
}

void lab_answer_command(lab_answer *a, lab_site *site, const char *host,
			const lab_session *session, const char *command)
{
	carve_buf out = CARVE_BUF_INIT, err = CARVE_BUF_INIT, script = CARVE_BUF_INIT;

	(void)session;
	memset(a, 0, sizeof(*a));
	pthread_mutex_lock(&site->lock);
	lab_host *self = lab_find_host(site, host);
	bool decoded = carve_ps_decode_command(&script, command) == 0;
	const char *text = decoded ? carve_buf_cstr(&script) : command;

	carve_buf fields = CARVE_BUF_INIT;
	carve_buf_printf(&fields, "\"powershell\":%s,\"command\":", decoded ? "true" : "false");
	carve_buf_json_string(&fields, text);
	lab_journal(host, "command", carve_buf_cstr(&fields));
	carve_buf_done(&fields);

	if (self && replay(a, self, text)) {
		/* answered byte for byte from the capture */
	} else if (!self) {
		a->exit_status = 1;
	} else if (decoded) {
		/* a new powershell.exe: its start costs what the fixture says,
		 * on the host's cores, its memory while the script runs */
		char name[sizeof(self->name)];
		snprintf(name, sizeof(name), "%s", self->name);
		bool started = lab_powershell_start(site, name, self->cores);
		if ((self = lab_find_host(site, name))) { /* the lock was let go */
			ps_env env = { site, self, session };
			ps_run(&out, &err, &a->exit_status, &a->reboot, &env, text);
		}
		if (started)
			lab_powershell_end(site, name);
	} else if (strcasecmp(command, "hostname") == 0) {
		carve_buf_printf(&out, "%s\r\n", self->name);
	} else {
		char word[64] = "";
		sscanf(command, "%63s", word);
		carve_buf_printf(&err, "'%s' is not recognized as an internal or external "
				 "command,\r\noperable program or batch file.\r\n", word);
		a->exit_status = 1;
	}
	pthread_mutex_unlock(&site->lock);
	if (!a->out) {
		a->out = out.ptr, a->out_len = out.len;
		a->err = err.ptr, a->err_len = err.len;
	} else {
		carve_buf_done(&out);
		carve_buf_done(&err);
	}
	carve_buf_done(&script);
}

bool lab_reads_script(const char *command)
{
	carve_buf none = CARVE_BUF_INIT;
	bool yes = carve_ps_decode_command(&none, command) == CARVE_PS_STDIN;

	carve_buf_done(&none);
	return yes;
}

struct lab_ps {
	lab_site *site;
	char host[64];
	ps_env env;
	ps_host *ps;
	bool started;
};

lab_ps *lab_ps_open(lab_site *site, const char *host, const lab_session *session,
		    const char *command)
{
	lab_ps *p = calloc(1, sizeof(*p));
	carve_buf fields = CARVE_BUF_INIT;

	carve_buf_puts(&fields, "\"powershell\":true,\"stdin\":true,\"command\":");
	carve_buf_json_string(&fields, command);
	lab_journal(host, "command", carve_buf_cstr(&fields));
	carve_buf_done(&fields);
	if (!p)
		return NULL;
	p->site = site;
	snprintf(p->host, sizeof(p->host), "%s", host);
	pthread_mutex_lock(&site->lock);
	lab_host *self = lab_find_host(site, host);
	/* one start for the process's whole life, its memory held as long */
	if (self)
		p->started = lab_powershell_start(site, p->host, self->cores);
	p->env = (ps_env){ site, NULL, session };
	p->ps = ps_host_new(&p->env);
	pthread_mutex_unlock(&site->lock);
	if (!p->ps) {
		lab_ps_close(p, &(bool){ false });
		return NULL;
	}
	return p;
}

bool lab_ps_line(lab_ps *p, carve_buf *out, carve_buf *err, const char *line, size_t len)
{
	bool more = true;
	char fields[64];

	/* how much, never what: stdin may carry a secret (what a script
	 * runs is journalled by Invoke-Expression and the like) */
	snprintf(fields, sizeof(fields), "\"bytes\":%zu", len);
	pthread_mutex_lock(&p->site->lock);
	lab_journal(p->host, "line", fields);
	/* the host as it is now: a reload may have moved it */
	if ((p->env.self = lab_find_host(p->site, p->host)))
		more = ps_host_line(p->ps, out, err, line, len);
	pthread_mutex_unlock(&p->site->lock);
	return more;
}

int lab_ps_close(lab_ps *p, bool *reboot)
{
	int status = 1;

	pthread_mutex_lock(&p->site->lock);
	if (p->ps)
		status = ps_host_end(p->ps, reboot);
	if (p->started)
		lab_powershell_end(p->site, p->host);
	pthread_mutex_unlock(&p->site->lock);
	free(p);
	return status;
}

void lab_answer_done(lab_answer *a)
{
	free(a->out);
	free(a->err);
	memset(a, 0, sizeof(*a));
}
