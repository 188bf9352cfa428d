/*
 * ui_int.h -- what the terminal UI's files share: the UI's state, the
 * lines of its timeline, and the calls between run control (ui.c), keys
 * and actions (ui_keys.c) and drawing (ui_draw.c). Not for other modules:
 * they see ui.h.
 */
#ifndef GILVIZ_UI_INT_H
#define GILVIZ_UI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "evlog.h"
#include "history.h"
#include "stats.h"
#include "ui.h"
#include "view.h"
#include "watch.h"

#define UI_MAX_MARKS 4096
#define UI_STATUS_NS 4000000000LL /* how long a status message stays */
#define UI_MAX_INTERVAL_NS 10000000000LL
#define UI_MIN_INTERVAL_NS 1000LL
/* A cell's mark; a larger one wins a cell that has several. */
#define UI_MARK_NONE 0
#define UI_MARK_FAILED 1
#define UI_MARK_REQUEST 2
#define UI_MARK_FORCED 3

/* What the status line is asking for. */
enum ui_prompt { PROMPT_NONE = 0, PROMPT_JUMP, PROMPT_INTERVAL };

/* A timeline line: a process label, a thread, or a task of a loop. */
enum ui_line_kind { LINE_PROCESS, LINE_THREAD, LINE_TASK };

struct ui_line {
	enum ui_line_kind kind;
	unsigned id;   /* process or thread index */
	unsigned task; /* LINE_TASK: the task's index in its loop */
};

struct ui {
	struct ui_options opt;
	struct watch *w;       /* the run, live or recorded */
	struct scenario *own_sc; /* a live run's scenario (n and p change it) */
	const struct scenario *sc; /* the run's scenario */
	/* The legend's items this run can show (legend_mask in ui_draw.c),
	 * worked out once a run: legend_of is the scenario it was for, NULL
	 * when a run (re)opens. */
	const struct scenario *legend_of;
	uint32_t legend_mask;
	uint32_t fig_skip;  /* ... and the figure columns it cannot fill */
	char *sc_path;         /* NULL: the built-in scenario */
	int policy;            /* the g key's choice, or -1: the options' */
	int time_choice;       /* the t key's: 1 virtual, 0 real, -1 the options' */
	double speed_choice;   /* [ and ]'s pace in virtual time; 0: the options' */
	int64_t interval_choice; /* + and -'s interval, kept by r; 0: the options' */
	struct consumer *c;    /* the watch's model */
	bool live;             /* can the run be changed (interval, policy, restart)? */
	bool recorded;         /* the recording has been made (and closed) */
	bool rec_reported;     /* a failed write has been said */
	int rec_rc;            /* -1: the recording or a new run failed (rec_err) */
	struct gv_error rec_err;
	enum ui_prompt prompting; /* typing a time to jump to, or an interval */
	char prompt[32];
	int sel;               /* the selected line (ui->lines), or -1 */
	struct ui_layout lay;  /* the last frame's layout, for the mouse */
	struct evlog *log;
	struct stats_snapshot *snap_old, *snap_mid, *snap_now;
	struct view view;
	uint64_t t_start;      /* the run's start on the events' clock */
	bool paused, ended, help, quit, dirty;
	bool note_whole;       /* N: the note in full */
	bool labels;           /* this frame has process label rows */
	size_t cursor;         /* paused: log entries up to the view's edge */
	char status[256];
	int64_t status_until;
	struct catalog cat;
	int cat_i;
	long frames;
	int64_t frame_t;       /* when the last frame began */
	/* Scratch space for drawing, sized for the widest timeline. */
	struct history_mark *marks;
	struct history_column *acc; /* a row's columns, binned */
	uint8_t *markgrid;
	struct ui_line *lines; /* every timeline line, tasks included */
	int nlines;
	int nsub;              /* of which task sub-rows */
	struct ui_line *shown; /* the lines this frame has room for */
	int acc_cols;
	/* Drawing only what changed. A frame rewrites a row, or a part of
	 * one, only when the key of what it shows differs from the key it
	 * was drawn with (rowkeys, one a screen row); a full frame (repaint:
	 * a key, a new run, its end, a status message; or a new layout, the
	 * help, the cursor) erases the screen and draws every row. Curses
	 * sends the terminal only the cells that changed. */
	struct history_row *rows;  /* a thread's timeline cells, kept */
	unsigned nrows;
	struct ui_rowkey *rowkeys; /* what each screen row was drawn with */
	int nrowkeys;
	bool repaint;          /* the next frame is a full one */
	bool full;             /* this frame is */
	long draws;            /* frames that drew (bench_ui) */
	long rows_drawn;       /* row parts written (bench_ui) */
	struct ui_glyph *glyphs; /* the cells' looks, converted once */
	int nglyphs;
	void *cells;           /* scratch: a row of curses cells */
	struct history_cell *tcells; /* scratch: a task row's cells */
};

/* The keys a screen row was drawn with, a part each: the text or name
 * at the left, the timeline, the figures at the right. 0: not drawn. */
struct ui_rowkey {
	uint64_t part[3];
};

/* ui.c: the run and the views on it. */
/* Say msg on the status line for a few seconds. */
GV_PRINTF(2, 3) void ui_status(struct ui *ui, const char *fmt, ...);
/* Time since the run started, frozen once it ended. */
uint64_t ui_now(const struct ui *ui);
/* Watch a run of the scenario (or the recording); stop watching it. */
int ui_run_start(struct ui *ui, struct gv_error *err);
void ui_run_stop(struct ui *ui);
/* The rate snapshots start over at the current time. */
void ui_reset_snapshots(struct ui *ui);
/* The timeline lines a layout has rows for, into ui->shown. */
int ui_choose_lines(struct ui *ui, int threads, bool labels, int task_room, int *ntasks);
/* The whole run so far on the screen (f, and the end of a run). */
void ui_fit(struct ui *ui);
/* The oldest time every thread's kept history still covers. */
uint64_t ui_oldest_kept(const struct ui *ui);

/* ui_keys.c: every key waiting, as an action on the run or the view. */
void ui_handle_keys(struct ui *ui);

/* ui_draw.c: the whole screen, from the model: the rows that changed,
 * or every row when ui->repaint is set. */
void ui_draw(struct ui *ui);
/* Forget what was drawn and the kept rows (a new run, ui_destroy). */
void ui_draw_forget(struct ui *ui);
/* This screen's layout and the lines it has room for (into ui->shown);
 * returns how many, and the task rows left out in *hidden_tasks. */
int ui_screen_layout(struct ui *ui, struct ui_layout *l, int *hidden_tasks);

/* ui_draw.c, for the compare mode (ui_compare.c), which stacks several
 * runs' lines on one screen: the lines of ui's run that fit in room rows
 * from y, in l's columns, as ui_draw draws them (returns the rows used);
 * the time axis at l->axis_y and the legend at l->legend_y; the lines the
 * legend needs at cols columns; text clipped before x_end, escaped. */
int ui_draw_lines(struct ui *ui, const struct ui_layout *l, int y, int room, uint64_t now_rel);
void ui_draw_axis_legend(struct ui *ui, const struct ui_layout *l, uint64_t now_rel);
int ui_legend_lines(struct ui *ui, int cols);
/* The figure columns the run cannot fill, a bit each (enum fig_column). */
uint32_t ui_fig_skip(struct ui *ui);
/* Adds from's legend items to into's, and keeps only the figure columns
 * neither can fill skipped (the compare mode: every policy's). */
void ui_legend_merge(struct ui *into, struct ui *from);
/* Text cut, where it must be, after a word and with an ellipsis. */
void ui_draw_text(int y, int x, int x_end, int role, const char *s);

#endif
