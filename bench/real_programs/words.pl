# Hash, string and regex work for bench/real_programs.sh: generates N lines of pseudo-random
# words, counts words and word pairs in hashes, builds an index of line numbers per word,
# sorts by frequency, and formats a report. Deterministic. usage: perl words.pl [N]
use strict;
use warnings;

my $n = shift // 60000;
my @syllables = qw(ka lo mi ne ru sa ti vo we xa yu ze bar fin gol hep);
my $seed = 12345;
sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed >> 8; }

my (@lines, %count, %pairs, %where);
for my $l (1 .. $n) {
  my @words;
  for (1 .. 4 + rnd() % 8) {
    my $w = join '', map { $syllables[rnd() % @syllables] } 1 .. 1 + rnd() % 3;
    push @words, $w;
  }
  push @lines, join(' ', @words);
}
for my $i (0 .. $#lines) {
  my @w = split / /, $lines[$i];
  for my $j (0 .. $#w) {
    $count{$w[$j]}++;
    $pairs{"$w[$j] $w[$j + 1]"}++ if $j < $#w;
    push @{ $where{$w[$j]} }, $i;
  }
}
my $vowels = 0;
for my $line (@lines) {
  (my $copy = $line) =~ s/([aeiou])/uc $1/ge;
  $vowels += () = $copy =~ /[AEIOU]/g;
}
my @top = grep { defined } (sort { $count{$b} <=> $count{$a} || $a cmp $b } keys %count)[0 .. 19];
my $report = join "\n", map { my @at = @{ $where{$_} }; sprintf "%-12s %6d %s", $_, $count{$_}, join(',', @at[0 .. ($#at < 4 ? $#at : 4)]) } @top;
printf "%d lines, %d words, %d pairs, %d vowels, %d report bytes\n",
  scalar @lines, scalar keys %count, scalar keys %pairs, $vowels, length $report;
