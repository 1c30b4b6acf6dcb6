/* SPDX-License-Identifier: MIT */
/*
 * notify.h - the service manager's notifications (sd_notify(3), libsystemd):
 * READY, RELOADING, STOPPING, STATUS and the watchdog.  Every call is a
 * no-op when $NOTIFY_SOCKET is unset (not started by systemd with
 * Type=notify).  Call them from the main thread: with NotifyAccess=main
 * systemd takes messages from the main process only.
 */
#ifndef TRACELOGD_NOTIFY_H
#define TRACELOGD_NOTIFY_H

#include <stdint.h>

/*
 * notify_watchdog_usec - the watchdog's timeout in microseconds when the
 * service manager runs one for this process ($WATCHDOG_USEC, and
 * $WATCHDOG_PID naming us when set: sd_watchdog_enabled()), else 0.  Ping
 * it at least every half of that.
 */
uint64_t notify_watchdog_usec(void);

/* notify_ready - READY=1, with STATUS=status when status is not NULL. */
void notify_ready(const char *status);

/*
 * notify_reloading - RELOADING=1 with MONOTONIC_USEC=now (systemd >= 253
 * matches it to the reload it started; older ones ignore it).  Send
 * notify_ready() when the reload is done, whether it worked or not.
 */
void notify_reloading(void);

/* notify_stopping - STOPPING=1: the stop began (drain, write, remove probes). */
void notify_stopping(void);

/* notify_status - STATUS=status: one line for systemctl status. */
void notify_status(const char *status);

/* notify_watchdog - WATCHDOG=1: the daemon is alive. */
void notify_watchdog(void);

#endif
