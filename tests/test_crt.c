/*
 * test_crt.c -- the terminal as curses drives it: a frame that changes
 * many rows reaches the terminal in one write, not one a cursor move.
 *
 * The writes are counted where they are made: this program defines
 * write(2) itself, so that curses' calls come here (the executable's
 * definition comes before libc's), counts those to the pseudo-terminal
 * under test and makes the system call.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crt.h"
#include "cu.h"

static atomic_int counted_fd = -1;
static atomic_long writes;

ssize_t write(int fd, const void *buf, size_t n)
{
	if (fd == atomic_load(&counted_fd))
		atomic_fetch_add(&writes, 1);
	return syscall(SYS_write, fd, buf, n);
}

static int master = -1;

/* The terminal's side: read and thrown away. */
static void *drain(void *arg)
{
	(void)arg;
	char buf[4096];
	for (;;) {
		ssize_t n = read(master, buf, sizeof buf);
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	return NULL;
}

/* Twenty rows, each changed in two places far apart: a frame whose
 * output needs a cursor move before every piece. */
static void draw_frame(int n)
{
	for (int y = 1; y <= 20; y++) {
		mvprintw(y, 3, "row %2d frame %d", y, n);
		mvprintw(y, 60, "%d", n * 100 + y);
	}
	refresh();
}

static void test_a_frame_is_one_write(void)
{
	master = posix_openpt(O_RDWR | O_NOCTTY);
	CU_ASSERT_FATAL(master >= 0);
	CU_ASSERT_FATAL(grantpt(master) == 0 && unlockpt(master) == 0);
	int fd = open(ptsname(master), O_RDWR | O_NOCTTY);
	CU_ASSERT_FATAL(fd >= 0);
	pthread_t t;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, drain, NULL) == 0);
	pthread_detach(t);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	FILE *out = fdopen(fd, "w"), *in = fdopen(dup(fd), "r");
	CU_ASSERT_FATAL(out && in);
	CU_ASSERT_FATAL(crt_init(out, in, "xterm-256color", true) == 0);
	atomic_store(&counted_fd, fd);
	for (int n = 1; n <= 5; n++) {
		long before = atomic_load(&writes);
		draw_frame(n);
		long made = atomic_load(&writes) - before;
		/* Every frame changes 40 places on 20 rows: one write for
		 * all of it (curses' buffer holds a whole screen). */
		CU_ASSERT(made >= 1);
		CU_ASSERT(made <= 2);
		if (made > 2)
			fprintf(stderr, "\n  frame %d went out in %ld writes\n", n, made);
	}
	atomic_store(&counted_fd, -1);
	crt_done();
}

static const struct cu_test tests[] = {
	CU_TEST_ENTRY(test_a_frame_is_one_write),
	CU_TEST_END,
};

CU_MAIN("crt", tests)
