/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The FOLL_PIN counters, for tests that check that every pin they caused
 * was released.
 */
#ifndef PINS_H
#define PINS_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* FOLL_PIN pins outstanding system-wide, or -1 if /proc/vmstat lacks them. */
static inline long lt_pins(void)
{
	unsigned long val, acquired = 0, released = 0;
	bool seen = false;
	char name[64];
	FILE *f;
	int fd;

	/* Fold the per-cpu deltas, or the totals lag behind by seconds. */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			;
		close(fd);
	}

	f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lu", name, &val) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired")) {
			acquired = val;
			seen = true;
		} else if (!strcmp(name, "nr_foll_pin_released")) {
			released = val;
		}
	}
	fclose(f);
	return seen ? (long)(acquired - released) : -1;
}

/*
 * Wait up to 5 s for the outstanding pins to come back to @before: some
 * owners (sockets, rings) are torn down from a workqueue after close().
 */
static inline long lt_pins_settle(long before)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	long now = lt_pins();
	int i;

	for (i = 0; i < 500 && now != before; i++) {
		nanosleep(&ts, NULL);
		now = lt_pins();
	}
	return now;
}

#endif /* PINS_H */
