// SPDX-License-Identifier: MIT
/*
 * notify.c - sd_notify(3) messages to the service manager.  libsystemd's
 * sd_notify() sends one datagram to $NOTIFY_SOCKET and does nothing when
 * it is unset; a failure to send is not the daemon's business (systemd
 * then acts on its own timeouts), so results are ignored.
 */
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	/* 0: do not unset $WATCHDOG_USEC, a reload asks again */
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}

void notify_ready(const char *status)
{
	if (status)
		sd_notifyf(0, "READY=1\nSTATUS=%s", status);
	else
		sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: draining the rings and queues, removing the probes");
}

void notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}
