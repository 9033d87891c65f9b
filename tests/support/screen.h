/*
 * screen.h - carve's console in a real terminal, for the tests: sessions
 * of a tmux server of the test's own (its socket named after the pid),
 * keys sent with send-keys, the screen read back with capture-pane.
 */
#ifndef CARVE_TEST_SCREEN_H
#define CARVE_TEST_SCREEN_H

#include <stdbool.h>

/* Names the server's socket and keeps dir for captures. */
void t_screen_init(const char *dir);
/* Stops the server and everything in it. */
void t_screen_done(void);

/* Runs a tmux command on the server (failures ignored). */
void t_tmux(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Starts "env carve args" in session name at cols x rows.  If carve ends,
 * its last words (a sanitizer's report) stay on the screen. */
void t_screen_start(const char *name, int cols, int rows, const char *env, const char *args);

/* Session name's screen as text (with colour escapes when escapes is set),
 * or NULL while tmux cannot show it.  Owned. */
char *t_screen(const char *name, bool escapes);

/* Waits up to about 10 s for text on session name's screen and for the frame to
 * settle (two captures alike: a frame can be caught half written); fails
 * the test otherwise.  Returns the screen, owned. */
char *t_screen_wait(const char *name, const char *text);

/* Session name's pane title, which an OSC 0 or 2 sequence would set.
 * Owned. */
char *t_screen_title(const char *name);

void t_pause_ms(long ms);

#endif
