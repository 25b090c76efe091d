#!/bin/sh
# Usage: kmake.sh TREE OBJDIR ARGS...: the kernel's make as lib.sh runs it,
# for the Makefile.
set -eu
. "$(dirname "$0")/lib.sh"
kmake "$@"
