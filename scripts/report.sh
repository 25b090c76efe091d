#!/bin/sh
# Usage: report.sh [-o FILE] SUITE LABEL=OUTDIR [LABEL=OUTDIR] [CHECK_LOG]
#
# Turn the boots' KTAP (OUTDIR/ktap.log: one document in the form of
# kselftest's runner, guest-init.sh) and console logs into one table, a
# column per boot, and a verdict, its last line "N passed, N failed, N
# skipped"; printed, and written to FILE with -o.  Exits 1 if a case
# failed.  SUITE is the suite as the boots ran it (scripts/suite.sh).
# A program that went wrong as a whole (timed out, stopped short of its
# plan, bailed out, exited with an error after passing cases) gets a row
# of its own, ENTRY: timeout|results missing|bail out|exit status; on the
# base alone, such a row counts only for a "pass" entry.  With two columns
# the first is the unpatched base and the second the patched kernel: the
# verdict counts the patched column, and also fails a case whose base
# result contradicts the suite's expectation (column 2 of SUITE): "pass"
# cases must pass on the base as well, "fail" cases (the series' own
# tests) must fail or skip there, or they could not catch a regression.  A
# "same" case (a peer suite such as v4l2-compliance) that fails on the
# base as well counts as skipped: only new failures count.  With one
# column there is nothing to compare a "same" case with: its failures
# count as skipped too, and `make test` compares.
#
# Run-level problems count as failed cases too: a kernel splat on the
# console (BUG, WARNING, KASAN, lockdep, hung task, Oops, panic), a program
# that crashed or timed out, a guest that did not finish (a crash that
# hangs the guest fails the run on any boot).  A splat while an entry ran
# (between the guest's marks in the kernel log) is that entry's: it fails
# the entry, except on the base for a "fail" entry of a single case, where
# it stands for the base failing that case, and is not counted.
set -eu
outfile=""
if [ "${1:-}" = -o ]; then
	outfile=$2
	shift 2
	# No verdict of an earlier run may stand in for this one's.
	rm -f "$outfile"
fi
suite=$1
shift
. "$(dirname "$0")/lib.sh"

# One "case<TAB>result<TAB>note" line per test case of one boot.
results() {
	dir=$1
	[ -f "$dir/ktap.log" ] || { printf 'harness: guest\tFAIL\tno KTAP output\n'; return; }
	awk '
	# An entry that reported no case is one row, ENTRY; else a row per
	# case, and a row ENTRY: timeout|results missing|exit status|bail out
	# for what went wrong besides.
	function finish(   i) {
		if (nres == 0 && (bail != "" || (plan > 0 && rc == 0)))
			print entry "\tFAIL\t" (bail != "" ? bail : plan " of " plan " not reported")
		else if (nres == 0)
			print entry "\t" (rc == 0 ? "PASS" : rc == 4 ? "SKIP" : "FAIL") "\t" \
				(rc == 124 ? "killed at its time limit" : why != "" ? why : "rc=" rc)
		else if (bail != "")
			print entry ": bail out\tFAIL\t" bail
		else if (rc == 124)
			print entry ": timeout\tFAIL\tkilled at its time limit" (plan > nres ? ", " (plan - nres) " of " plan " not reported" : "")
		else if (plan > nres)
			print entry ": results missing\tFAIL\t" (plan - nres) " of " plan " not reported"
		else if (rc != 0 && rc != 4 && nfail == 0)
			print entry ": exit status\tFAIL\trc=" rc
		entry = ""
	}
	{ sub(/\r$/, "") }	# the guest serial port ends lines with CRLF
	# The document: "1..N", then per program "# selftests: COLLECTION:
	# NAME", its own KTAP nested under "# ", and "ok|not ok N
	# selftests: COLLECTION: NAME [# SKIP|# TIMEOUT s|# exit=rc]".
	entry == "" && /^1\.\.[0-9]+/ { total = substr($1, 4) + 0; next }
	entry == "" && /^# selftests: [^:]*: / {
		entry = $0; sub(/^# selftests: [^:]*: /, "", entry)
		plan = nres = nfail = 0; why = bail = ""; next
	}
	/^Bail out!/ { print "harness: bail out\tFAIL\t" substr($0, 11); next }
	entry != "" && /^(not )?ok [0-9]+ selftests: / {
		ntop++
		rc = /^ok/ ? 0 : 1
		if (/ # SKIP/) rc = 4
		else if (/ # TIMEOUT/) rc = 124
		else if (match($0, / # exit=[0-9]+$/)) rc = substr($0, RSTART + 8) + 0
		finish()
		next
	}
	entry == "" || !/^# / { next }
	# A line of the program, without the nesting.
	{ line = substr($0, 3) }
	line ~ /^Bail out!/ { bail = substr(line, 11) }
	line ~ /^1\.\.[0-9]+/ {
		plan += substr(line, 4) + 0
		if (match(line, / # (SKIP|skip) /)) why = substr(line, RSTART + 3)
	}
	line ~ /^(not )?ok [0-9]+ / {
		res = (line ~ /^not ok/) ? "FAIL" : "PASS"
		sub(/^(not )?ok [0-9]+ /, "", line)
		note = ""
		if (match(line, / # (SKIP|skip|XFAIL|xfail)/)) {
			note = substr(line, RSTART + 3)
			line = substr(line, 1, RSTART - 1)
			if (res == "PASS") res = "SKIP"
		}
		nres++
		if (res == "FAIL") nfail++
		# Some programs print the same description for every case.
		key = entry ": " line
		if (key in seen) key = key " [" nres "]"
		seen[key] = 1
		print key "\t" res "\t" note
	}
	END {
		if (entry != "") { rc = "crash"; finish() }
		if (total == 0 || ntop < total)
			print "harness: guest finished\tFAIL\tsuite did not complete (" ntop + 0 " of " total + 0 " programs)"
	}' "$dir/ktap.log"
	if [ -f "$dir/qemu.status" ] && grep -q "qemu_rc=124" "$dir/qemu.status"; then
		printf 'harness: guest\tFAIL\tQEMU timed out\n'
	fi
	splats "$dir/console.log"
}

# Kernel splats, one case per kind, with the first line of each.  A splat
# while a suite entry runs (between "guest: running ENTRY" and "guest:
# finished ENTRY" on the console) is a case of that entry, "ENTRY: kernel
# splat"; any other is a run-level case, "kernel: splat".
splats() {
	[ -f "$1" ] || return 0
	tr -d '\r' <"$1" | awk '
	{ line = $0; sub(/^.*\[ *[0-9.]+\] /, "", line) }
	line ~ /^guest: running / { split(line, w, " "); entry = w[3]; next }
	line ~ /^guest: finished / { entry = ""; next }
	/BUG:|WARNING:|KASAN|UBSAN|Oops|Kernel panic|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked for more than|INFO: rcu_.* stall|soft lockup|Call Trace:/ {
		# One case per entry, with its first line; run-level ones, one
		# per kind.
		if (entry != "") {
			if (!(entry in done))
				print entry ": kernel splat\tFAIL\t" line
			done[entry] = 1
			next
		}
		split(line, w, " ")
		if ((w[1] " " w[2]) in seen)
			next
		seen[w[1] " " w[2]] = 1
		n++
		print (n == 1 ? "kernel: splat" : "kernel: splat " n) "\tFAIL\t" line
	}'
}

# The static checks' verdicts (check.sh all), as cases of the last column.
checks() {
	if [ ! -f "$1" ]; then
		printf 'check: all\tFAIL\tthe checks did not run\n'
		return
	fi
	sed -n 's/^check \([a-z0-9_-]*\): ok$/check: \1\tPASS\t/p
		s/^check \([a-z0-9_-]*\): FAILED$/check: \1\tFAIL\tsee check.log/p' "$1"
}

labels="" tmp=$(mktemp -d) last=""
trap 'rm -rf "$tmp"' EXIT
n=0
for col in "$@"; do
	case $col in
	*=*)
		n=$((n + 1))
		labels="$labels ${col%%=*}"
		last=${col#*=}
		results "$last" >"$tmp/$n"
		;;
	*)
		checks "$col" >"$tmp/checks"
		;;
	esac
done
[ -f "$tmp/checks" ] && cat "$tmp/checks" >>"$tmp/$n"

# Expectation on the base for each suite entry.
entries "$suite" | awk '{ print $1 "\t" $2 }' >"$tmp/expect"

{
awk -F'\t' -v ncol="$n" -v labels="$labels" -v expectf="$tmp/expect" '
BEGIN {
	while ((getline l < expectf) > 0) { split(l, e, "\t"); expect[e[1]] = e[2] }
	split(labels, lab, " ")
}
{
	col = FILENAME; sub(/.*\//, "", col)
	if (!(($1) in seen)) { seen[$1] = 1; order[++ncase] = $1 }
	res[$1, col] = $2
	if ($3 != "") note[$1, col] = $3
	if (index($1, ": ")) {
		en = $1; sub(/: .*/, "", en); has_cases[en, col] = 1
		if ($1 ~ /: kernel splat$/) splat[en, col] = 1
		else ncases[en, col]++
	}
}
END {
	# A program that skipped or failed as a whole in one boot has a single
	# row there: give its result to each of its cases from the other boots.
	for (i = 1; i <= ncase; i++) {
		k = order[i]
		if (index(k, ": ") || k ~ /^(kernel|harness|check)/)
			continue
		for (c = 1; c <= ncol; c++)
			if (res[k, c] != "" && !has_cases[k, c])
				whole[k, c] = 1
		for (j = 1; j <= ncase; j++) {
			if (index(order[j], k ": ") != 1)
				continue
			dropped[k] = 1
			for (c = 1; c <= ncol; c++)
				if (whole[k, c] && res[order[j], c] == "") {
					res[order[j], c] = res[k, c]
					note[order[j], c] = note[k, c]
				}
		}
	}
	w = 20
	for (i = 1; i <= ncase; i++) if (length(order[i]) > w) w = length(order[i])
	printf "%-" w "s", "test"
	for (c = 1; c <= ncol; c++) printf "  %-8s", lab[c]
	printf "\n"
	for (i = 1; i <= ncase; i++) {
		k = order[i]
		if (k in dropped)
			continue
		entry = k; sub(/: .*/, "", entry)
		p = res[k, ncol]; if (p == "") p = "-"
		b = (ncol > 1) ? res[k, 1] : ""
		why = ""
		nocount = 0
		if (k ~ /: kernel splat$/) {
			# A splat of an entry: in the last boot it fails the entry; in
			# the base, it is the entry failing there, as it must if it
			# is a "fail" entry, and is not counted.
			p = res[k, ncol] == "FAIL" ? "FAIL" : "PASS"
			if (p == "FAIL")
				why = lab[ncol] ": " note[k, ncol]
			else if (ncol > 1 && res[k, 1] == "FAIL" && expect[entry] != "fail") {
				p = "FAIL"; why = lab[1] ": " note[k, 1]
			} else
				nocount = 1
		} else if (k ~ /^(kernel|harness|check)/) {
			# Run-level problems fail whichever boot they happen in.
			p = "PASS"
			for (c = 1; c <= ncol; c++)
				if (res[k, c] == "FAIL") { p = "FAIL"; why = lab[c] ": " note[k, c] }
		} else if (p == "FAIL" && expect[entry] == "same" && (ncol == 1 || b == "FAIL")) {
			p = "SKIP"
			why = ncol == 1 ? "not compared with the base" : "fails on the base too"
		} else if (p == "PASS" && ncol > 1 && (entry in expect)) {
			# A base splat stands for the base failing an entry of one
			# case only: it cannot say which of several cases failed.
			if (expect[entry] == "fail" && b == "PASS" &&
			    !(splat[entry, 1] && ncases[entry, 1] == 1)) {
				p = "FAIL"; why = "passes on the base: this test cannot fail"
			}
			if (expect[entry] == "pass" && b != "PASS") {
				p = "FAIL"; why = "expected to pass on the base too"
			}
		} else if (p == "-" && ncol > 1 && k ~ /: (timeout|results missing|exit status|bail out)$/) {
			# The base went wrong running an entry that the last boot
			# ran cleanly: as it may for a "fail" or "same" entry (not
			# counted), not for a "pass" one.
			if (expect[entry] != "pass")
				nocount = 1
			else {
				p = "FAIL"; why = lab[1] ": " note[k, 1]
			}
		} else if (p == "-") {
			p = "FAIL"; why = "missing from the " lab[ncol] " run"
		}
		if (!nocount)
			verdict[p]++
		if (p == "FAIL")
			failed[++nfailed] = k (why != "" ? " (" why ")" : "")
		printf "%-" w "s", k
		for (c = 1; c <= ncol; c++) {
			r = res[k, c]; if (r == "") r = "-"
			printf "  %-8s", r
		}
		n = note[k, ncol]
		if (why != "") n = why
		else if (n == "" && ncol > 1 && res[k, ncol] == "") n = note[k, 1]
		if (n != "") printf "  # %s", n
		printf "\n"
		if (!nocount)
			for (c = 1; c <= ncol; c++) if (res[k, c] != "") tot[c, res[k, c]]++
	}
	# The failures again, next to the verdict, where a CI log tail shows them.
	for (i = 1; i <= nfailed; i++)
		printf "failed: %s\n", failed[i] > totals
	for (c = 1; c <= ncol; c++)
		printf "%-8s %d passed, %d failed, %d skipped\n", lab[c] ":", tot[c, "PASS"], tot[c, "FAIL"], tot[c, "SKIP"] > totals
	printf "%d passed, %d failed, %d skipped\n", verdict["PASS"], verdict["FAIL"], verdict["SKIP"] > totals
}' totals="$tmp/totals" "$tmp"/[0-9]*

# Benchmark ratios, each measured within the last column's boot.
if grep -q '^# # ratio:' "$last/ktap.log" 2>/dev/null; then
	printf '\nratios measured in the %s boot:\n' "${labels##* }"
	tr -d '\r' <"$last/ktap.log" | sed -n 's/^# # ratio: /  /p'
fi
echo
cat "$tmp/totals"
} >"$tmp/report"
cat "$tmp/report"
[ -z "$outfile" ] || cp "$tmp/report" "$outfile"
passed "$tmp/report"
