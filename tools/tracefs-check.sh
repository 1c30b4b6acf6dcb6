#!/bin/sh
# tracefs-check.sh - say clearly why tracing cannot start, before trying.
if [ "$(id -u)" != 0 ]; then
	echo "tracelogd needs root (or CAP_PERFMON + CAP_SYS_ADMIN) to trace: use 'sudo make run'" >&2
	exit 1
fi
exit 0
