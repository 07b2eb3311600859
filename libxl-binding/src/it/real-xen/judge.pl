#!/usr/bin/perl
# real-xen stage: judges the JUnit reports against the inventory (inventory.txt, see its header).
# Usage: judge.pl <inventory> <scenarios.txt or -> <report.xml>...
# Prints one line per problem and exits 1 if there is any; prints a summary line either way.
use strict;
use warnings;

my ($inventory, $scenarios, @reports) = @ARGV;
die "usage: judge.pl <inventory> <scenarios.txt> <report.xml>...\n" unless $inventory && $scenarios && @reports;

my (%expected, @order, @scenario_rules);
open(my $inv, '<', $inventory) or die "real-xen: cannot read the inventory $inventory: $!\n";
while (my $line = <$inv>) {
  chomp $line;
  next if $line =~ /^\s*(#|$)/;
  my @f = split /\t/, $line;
  if ($f[0] eq 'scenario') {
    die "$inventory:$.: a scenario line needs a regex\n" unless defined $f[1] && length $f[1];
    push @scenario_rules, $f[1];
  } elsif (@f >= 2 && $f[1] eq 'pass' && @f == 2) {
    die "$inventory:$.: $f[0] listed twice\n" if $expected{$f[0]};
    $expected{$f[0]} = { outcome => 'pass' };
    push @order, $f[0];
  } elsif (@f == 3 && $f[1] eq 'skip' && length $f[2]) {
    die "$inventory:$.: $f[0] listed twice\n" if $expected{$f[0]};
    $expected{$f[0]} = { outcome => 'skip', reason => $f[2] };
    push @order, $f[0];
  } else {
    die "$inventory:$.: expected '<class>#<test><TAB>pass', '<class>#<test><TAB>skip<TAB><reason>' or 'scenario<TAB><regex>': $line\n";
  }
}
close $inv;

my %ran;    # id => { status => pass|skipped|failed, message => ... }
for my $report (@reports) {
  open(my $fh, '<', $report) or die "real-xen: cannot read $report: $!\n";
  local $/;
  my $xml = <$fh>;
  close $fh;
  while ($xml =~ /<testcase\s+name="([^"]*)"\s+classname="([^"]*)"[^>]*?(\/>|>(.*?)<\/testcase>)/sg) {
    my ($name, $class, $body) = ($1, $2, defined $4 ? $4 : '');
    for ($name, $class) { s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/'/g; s/&amp;/&/g; }
    my $id = "$class#$name";
    my ($status, $message) = ('pass', '');
    if ($body =~ /<(failure|error)\b([^>]*)>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?<\/\1>|<(failure|error)\b([^>]*)\/>/s) {
      $status = 'failed';
      $message = defined $3 ? $3 : '';
    } elsif ($body =~ /<skipped\b([^>]*)\/>|<skipped\b([^>]*)>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?<\/skipped>/s) {
      $status = 'skipped';
      my $attrs = defined $1 ? $1 : $2;
      $message = defined $3 ? $3 : '';
      $message = $1 . ' ' . $message if defined $attrs && $attrs =~ /message="([^"]*)"/;
    }
    $message =~ s/\s+/ /g;
    $ran{$id} = { status => $status, message => $message };
  }
}

my @problems;
for my $id (@order) {
  my $want = $expected{$id};
  my $got = $ran{$id};
  if (!$got) {
    push @problems, "did not run: $id";
  } elsif ($got->{status} eq 'failed') {
    push @problems, "failed: $id: " . substr($got->{message}, 0, 300);
  } elsif ($got->{status} eq 'skipped') {
    if ($want->{outcome} ne 'skip') {
      push @problems, "skipped, and no skip is allowed: $id: " . substr($got->{message}, 0, 300);
    } elsif (index($got->{message}, $want->{reason}) < 0) {
      push @problems, "skipped for a reason not allowed: $id: " . substr($got->{message}, 0, 300)
        . " (allowed: $want->{reason})";
    }
  }
}
for my $id (sort keys %ran) {
  push @problems, "not in the inventory ($inventory): $id ($ran{$id}{status})" unless $expected{$id};
}
my @lines;
if ($scenarios ne '-' && open(my $sc, '<', $scenarios)) {
  @lines = <$sc>;
  close $sc;
  chomp @lines;
}
for my $rule (@scenario_rules) {
  push @problems, "no scenario line matches /$rule/" unless grep { /$rule/ } @lines;
}

my %count;
$count{$_->{status}}++ for values %ran;
printf "real-xen: inventory of %d tests and %d scenario lines: %d passed, %d skipped as allowed or not, %d failed, %d problem(s)\n",
  scalar @order, scalar @scenario_rules, $count{pass} || 0, $count{skipped} || 0, $count{failed} || 0, scalar @problems;
print "real-xen: $_\n" for @problems;
exit(@problems ? 1 : 0);
