#!/bin/sh
# shorten-rules.sh — compress the time spans of a Prometheus rules file.
#
#   shorten-rules.sh IN OUT [FACTOR]
#
# Writes OUT: a copy of the rules file IN in which every time span is divided
# by FACTOR (a positive number, default 60), so that an end-to-end test that
# runs thinwatch-sim with `--speed FACTOR` sees the alerts of
# thinwatch-rules.yml fire in FACTOR times less wall-clock time:
#
#   - `for: D` (rule level)                    for: 30m        -> for: 30s
#   - range selectors `[D]`, subqueries `[D:D]`,
#     and `offset D` inside an expr            [6h]            -> [6m]
#   - integer literals >= 60 inside an expr:   86400 (horizon) -> 1440
#     by convention these are numbers of seconds (thinwatch-rules.yml keeps
#     every other numeric constant in an expr below 60)
#
# Strings, label matchers, `#` comments and annotations are left alone; so
# are rule names (thinwatch:pool_used_bytes:deriv6h keeps its name).
# Results are exact to the millisecond and printed in the largest unit that
# divides them (6h/60 -> 6m, 1d/60 -> 24m, 5m/60 -> 5s, 1h/7 -> 514286ms).
#
# Choose FACTOR so that the shortest window still spans a few samples of the
# test's scrape interval: with FACTOR 60 the shortest windows become 30s
# ([30m]) and 1m ([1h]), so scrape and poll at 1s to 5s. Evaluation interval
# and scrape interval are the test's own Prometheus settings, not part of
# the rules file.
#
# Needs only perl (part of every Debian system: perl-base is Essential).
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 IN OUT [FACTOR]" >&2
	exit 2
fi
in=$1
out=$2
factor=${3:-60}

exec perl -e '
use strict;
use warnings;

my ($in, $out, $factor) = @ARGV;
die "shorten-rules.sh: FACTOR must be a positive number, got \"$factor\"\n"
    unless $factor =~ /^(?:\d+(?:\.\d*)?|\.\d+)$/ && $factor > 0;

my %unit_ms = (ms => 1, s => 1000, m => 60_000, h => 3_600_000,
               d => 86_400_000, w => 604_800_000, y => 31_536_000_000);
my $DUR = qr/(?:\d+(?:ms|[smhdwy]))+/;

sub dur_ms {
	my ($d) = @_;
	my $ms = 0;
	while ($d =~ /(\d+)(ms|[smhdwy])/g) { $ms += $1 * $unit_ms{$2}; }
	return $ms;
}

sub fmt_ms {
	my ($ms) = @_;
	$ms = 1 if $ms < 1;
	for my $u (qw(d h m s)) {
		my $n = $unit_ms{$u};
		return ($ms / $n) . $u if $ms % $n == 0;
	}
	return $ms . "ms";
}

sub scale_dur {
	my ($d) = @_;
	return fmt_ms(int(dur_ms($d) / $factor + 0.5));
}

sub scale_seconds {
	my ($n) = @_;
	my $v = sprintf("%.3f", $n / $factor);
	$v =~ s/\.?0+$//;
	return $v;
}

# Rewrite one piece of PromQL; strings and comments pass through untouched.
sub scale_expr {
	my ($e) = @_;
	$e =~ s{
		("(?:[^"\\]|\\.)*"|\x27(?:[^\x27\\]|\\.)*\x27|`[^`]*`)   # 1 string
		| (\#.*)                                                 # 2 comment
		| \[\s*($DUR)\s*(?::\s*($DUR)?\s*)?\]                    # 3,4 range / subquery
		| \b(offset\s+)($DUR)                                    # 5,6 offset
		| (?<![\w.])(\d+)(?![\w.])                               # 7 integer
	}{
		defined $1 ? $1
		: defined $2 ? $2
		: defined $3 ? "[" . scale_dur($3)
			. (defined $4 ? ":" . scale_dur($4)
			   : ($& =~ /:/ ? ":" : "")) . "]"
		: defined $5 ? $5 . scale_dur($6)
		: ($7 >= 60 ? scale_seconds($7) : $7)
	}gex;
	return $e;
}

open(my $ifh, "<", $in) or die "shorten-rules.sh: $in: $!\n";
my @lines = <$ifh>;
close($ifh);

my $block_indent = -1;    # >= 0 while inside an `expr: |` block scalar
for my $line (@lines) {
	if ($block_indent >= 0) {
		if ($line =~ /^\s*$/ || ($line =~ /^( *)/ && length($1) > $block_indent)) {
			$line = scale_expr($line);
			next;
		}
		$block_indent = -1;
	}
	if ($line =~ /^( *)(- )?(expr:\s*)(.*?)(\r?\n)?$/) {
		my ($ind, $dash, $key, $rest, $nl) = ($1, $2 // "", $3, $4, $5 // "");
		my $key_indent = length($ind) + length($dash);
		if ($rest =~ /^[|>][+-]?\d*\s*(?:#.*)?$/) {
			$block_indent = $key_indent;
		} else {
			$line = $ind . $dash . $key . scale_expr($rest) . $nl;
		}
		next;
	}
	$line =~ s/^(\s*(?:- )?for:\s*)($DUR)(\s*(?:#.*)?)$/$1 . scale_dur($2) . $3/e;
}

open(my $ofh, ">", $out) or die "shorten-rules.sh: $out: $!\n";
print $ofh @lines;
close($ofh) or die "shorten-rules.sh: $out: $!\n";
' "$in" "$out" "$factor"
