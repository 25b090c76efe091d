#!/bin/sh
# Usage: report.sh [-o FILE] SUITE LABEL=OUTDIR [LABEL=OUTDIR] [CHECK_LOG]
# A table of the cases of each boot (OUTDIR: ktap.log, console.log, qemu.status; the base first)
# and of the checks, then the verdict: printed, and written to FILE with -o.  Exits 1 if a case
# failed.  SUITE as scripts/suite.sh writes it.  The rules: README.md, "How the run works".
set -eu
if [ "${1:-}" = -o ]; then
	outfile=$2
	shift 2
	rm -f "$outfile"	# no verdict of an earlier run may stand in for this one's
fi
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk '
# add(C, CASE, RESULT, NOTE): a row of column C, split at tabs as a line of these three fields.
function add(c, k, r, n,    f, e) {
	split(k "\t" r "\t" n, f, "\t"); k = f[1]
	if (!(k in seen)) { seen[k] = 1; order[++ncase] = k }
	if (length(k) > w) w = length(k)
	res[k, c] = f[2]
	if (f[3] != "") note[k, c] = f[3]
	if (!index(k, ": ")) return
	e = k; sub(/: .*/, "", e)	# the entry, of "ENTRY: CASE"
	hascases[e, c] = dropped[e] = 1	# a row of ENTRY as a whole gives way to its cases
	if (k ~ /: kernel splat$/) splat[e, c] = 1; else ncases[e, c]++
}

# The cases of column C from its boot, in OUTDIR D.  ktap.log is as the kselftest runner nests
# it (guest-run.sh): "1..N", then per program "# selftests: COLLECTION: NAME", its own KTAP
# under "# ", and "ok|not ok N selftests: COLLECTION: NAME [# SKIP|# TIMEOUT s|# exit=rc]".
function boot(c, d,    f, l, r, total, ntop) {
	f = d "/ktap.log"
	while ((r = (getline l < f)) > 0) {
		sub(/\r$/, "", l)	# the guest serial port ends lines with CRLF
		if (c == ncol && l ~ /^# # ratio:/)	# listed under the table, without any CR
			{ ratio[++nratio] = l; gsub(/\r/, "", ratio[nratio]) }
		if (entry == "" && l ~ /^1\.\.[0-9]+/) total = substr(l, 4) + 0
		else if (entry == "" && l ~ /^# selftests: [^:]*: /) {
			entry = l; sub(/^# selftests: [^:]*: /, "", entry)
			plan = nres = nfail = 0; reason = bail = ""
		} else if (l ~ /^Bail out!/) add(c, "harness: bail out", "FAIL", substr(l, 11))
		else if (entry != "" && l ~ /^(not )?ok [0-9]+ selftests: /)
			{ ntop++; finish(c, l) }
		else if (entry != "" && l ~ /^# /) program(c, substr(l, 3))
	}
	close(f)
	if (r < 0) { add(c, "harness: guest", "FAIL", "no KTAP output"); return }
	if (entry != "") finish(c, "")
	if (total == 0 || ntop < total)
		add(c, "harness: guest finished", "FAIL",
		    "suite did not complete (" ntop + 0 " of " total + 0 " programs)")
	f = d "/qemu.status"
	while ((getline l < f) > 0)
		if (l ~ /qemu_rc=124/) add(c, "harness: guest", "FAIL", "QEMU timed out")
	close(f)
	console(c, d "/console.log")
}

# A LINE of the program ENTRY, without the nesting.
function program(c, line,    r, n, k) {
	if (line ~ /^Bail out!/) bail = substr(line, 11)
	if (line ~ /^1\.\.[0-9]+/) plan += substr(line, 4) + 0
	if (line ~ /^1\.\.[0-9]+/ && match(line, / # (SKIP|skip) /))
		reason = substr(line, RSTART + 3)
	if (line !~ /^(not )?ok [0-9]+ /) return
	r = line ~ /^not ok/ ? "FAIL" : "PASS"
	sub(/^(not )?ok [0-9]+ /, "", line)
	if (match(line, / # (SKIP|skip|XFAIL|xfail)/)) {
		n = substr(line, RSTART + 3); line = substr(line, 1, RSTART - 1)
		if (r == "PASS") r = "SKIP"
	}
	nres++; if (r == "FAIL") nfail++
	k = entry ": " line	# some programs print the same description for every case
	if ((c, k) in dup) k = k " [" nres "]"
	dup[c, k] = 1
	add(c, k, r, n)
}

# The end of ENTRY, at its LINE "ok|not ok N selftests: ..." ("" if it crashed): its one row
# if it reported no case, else one more for what went wrong besides its cases.
function finish(c, l,    rc, m, t) {
	rc = l == "" ? "crash" : l ~ / # SKIP/ ? 4 : l ~ / # TIMEOUT/ ? 124 : l ~ /^ok/ ? 0 : 1
	if (rc < 4 && match(l, / # exit=[0-9]+$/)) rc = substr(l, RSTART + 8) + 0
	m = plan > nres ? (plan - nres) " of " plan " not reported" : ""
	t = "killed at its time limit"
	if (nres == 0 && (bail != "" || (plan > 0 && rc == 0)))
		add(c, entry, "FAIL", bail != "" ? bail : m)
	else if (nres == 0)
		add(c, entry, rc == 0 ? "PASS" : rc == 4 ? "SKIP" : "FAIL",
		    rc == 124 ? t : reason != "" ? reason : "rc=" rc)
	else if (bail != "") add(c, entry ": bail out", "FAIL", bail)
	else if (rc == 124) add(c, entry ": timeout", "FAIL", t (m != "" ? ", " m : ""))
	else if (m != "") add(c, entry ": results missing", "FAIL", m)
	else if (rc != 0 && rc != 4 && nfail == 0) add(c, entry ": exit status", "FAIL", "rc=" rc)
	entry = ""
}

# The splats on the console of column C, each with its first line: one case per entry that
# ran then (from "guest: running ENTRY" to "guest: finished ENTRY"), else one per kind.
function console(c, f,    l, line, word, entry, key, n) {
	while ((getline l < f) > 0) {
		gsub(/\r/, "", l)
		line = l; sub(/^.*\[ *[0-9.]+\] /, "", line)	# without the timestamp
		split(line, word, " ")
		key = entry != "" ? entry : word[1] " " word[2]
		if (line ~ /^guest: running /) entry = word[3]
		else if (line ~ /^guest: finished /) entry = ""
		else if (l ~ splat_re && !((c, key) in kind)) {
			kind[c, key] = 1
			if (entry != "") add(c, entry ": kernel splat", "FAIL", line)
			else add(c, ++n == 1 ? "kernel: splat" : "kernel: splat " n, "FAIL", line)
		}
	}
	close(f)
}

# judge(K, EN): the verdict on row K of entry EN, PASS, FAIL, SKIP or "" for a row not counted,
# and WHY; P is its result, B that on the base, X what the suite expects of the base.
function judge(k, en,    x, p, b, c) {
	x = expect[en]; p = res[k, ncol]; b = ncol > 1 ? res[k, 1] : ""; why = ""
	if (k ~ /: kernel splat$/)
		return p == "FAIL" ? fail(k, ncol) : b == "FAIL" && x != "fail" ? fail(k, 1) : ""
	if (k ~ /^(kernel|harness|check): /) {
		for (c = ncol; c >= 1; c--) if (res[k, c] == "FAIL") return fail(k, c)
		return "PASS"
	}
	if (p == "FAIL" && x == "same" && (ncol == 1 || b == "FAIL")) {
		why = ncol == 1 ? "not compared with the base" : "fails on the base too"
		return "SKIP"
	}
	if (p == "PASS" && x == "fail" && b == "PASS" && !(splat[en, 1] && ncases[en, 1] == 1))
		return fail(k, 0, "passes on the base: this test cannot fail")
	if (p == "PASS" && x == "pass" && ncol > 1 && b != "PASS")
		return fail(k, 0, "expected to pass on the base too")
	if (p != "") return p
	if (ncol > 1 && k ~ /: (timeout|results missing|exit status|bail out)$/)
		return x == "pass" ? fail(k, 1) : ""
	return fail(k, 0, "missing from the " lab[ncol] " run")
}
# fail(K, C, WHY): FAIL, because of WHY, or else of the note of K in column C.
function fail(k, c, s) { why = s != "" ? s : lab[c] ": " note[k, c]; return "FAIL" }

BEGIN {
	splat_re = "BUG:|WARNING:|KASAN|UBSAN|Oops|Kernel panic|general protection fault|" \
		"possible (circular|recursive) locking|inconsistent lock state|" \
		"INFO: task .* blocked for more than|INFO: rcu_.* stall|soft lockup|Call Trace:"
	while ((getline l < ARGV[1]) > 0)	# the suite: NAME EXPECTATION COMMAND...
		if (split(l, e) && e[1] !~ /^#/) expect[e[1]] = e[2]
	for (i = 2; i < ARGC; i++)
		if (!(j = index(ARGV[i], "="))) checks = i	# CHECK_LOG
		else { lab[++ncol] = substr(ARGV[i], 1, j - 1); dir[ncol] = substr(ARGV[i], j + 1) }
	if (!ncol) { print "report.sh: no LABEL=OUTDIR" > "/dev/stderr"; exit 2 }
	w = 20
	for (c = 1; c <= ncol; c++) boot(c, dir[c])
	# The static checks (check.sh all), as cases of the last column.
	while (checks && (r = (getline l < ARGV[checks])) > 0)
		if (l ~ /^check [a-z0-9_-]*: (ok|FAILED)$/)
			add(ncol, "check: " substr(l, 7, index(l, ": ") - 7),
			    l ~ /ok$/ ? "PASS" : "FAIL", l ~ /ok$/ ? "" : "see check.log")
	if (r < 0) add(ncol, "check: all", "FAIL", "the checks did not run")
	row = sprintf("%-" w "s", "test")
	for (c = 1; c <= ncol; c++) row = row sprintf("  %-8s", lab[c])
	print row
	for (i = 1; i <= ncase; i++) {
		en = k = order[i]
		sub(/: .*/, "", en)
		if (k !~ /^(kernel|harness|check): /) {
			if (k in dropped) continue
			# An entry skipped or failed as a whole in a boot: that row for its cases.
			for (c = 1; c <= ncol; c++)
				if (res[k, c] == "" && res[en, c] != "" && !hascases[en, c])
					{ res[k, c] = res[en, c]; note[k, c] = note[en, c] }
		}
		p = judge(k, en)
		if (p != "") tot[0, p]++	# column 0: the verdict
		if (p == "FAIL") failed[++nfailed] = k (why != "" ? " (" why ")" : "")
		row = sprintf("%-" w "s", k)
		for (c = 1; c <= ncol; c++) {
			row = row sprintf("  %-8s", res[k, c] == "" ? "-" : res[k, c])
			if (p != "" && res[k, c] != "") tot[c, res[k, c]]++
		}
		n = why != "" ? why : note[k, ncol]
		if (n == "" && ncol > 1 && res[k, ncol] == "") n = note[k, 1]
		print row (n != "" ? "  # " n : "")
	}
	if (nratio) print "\nratios measured in the " lab[ncol] " boot:"
	for (i = 1; i <= nratio; i++)
		if (sub(/^# # ratio: /, "  ", ratio[i])) print ratio[i]
	# The failures again, next to the verdict, where a CI log tail shows them.
	print ""
	for (i = 1; i <= nfailed; i++) print "failed: " failed[i]
	for (c = 1; c <= ncol; c++)
		printf "%-8s %d passed, %d failed, %d skipped\n",
		    lab[c] ":", tot[c, "PASS"], tot[c, "FAIL"], tot[c, "SKIP"]
	printf "%d passed, %d failed, %d skipped\n", tot[0, "PASS"], tot[0, "FAIL"], tot[0, "SKIP"]
}' "$@" >"$tmp"
cat "$tmp"
[ -z "${outfile:-}" ] || cp "$tmp" "$outfile"
passed "$tmp"
