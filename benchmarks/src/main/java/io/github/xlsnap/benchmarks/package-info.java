/**
 * xlsnap measured beside its peers (libvirt, {@code qemu-img}, the bare disk): the JMH benchmarks of
 * the in-process parts ({@link io.github.xlsnap.benchmarks.TreeBenchmark},
 * {@link io.github.xlsnap.benchmarks.ParseBenchmark}) and {@link io.github.xlsnap.benchmarks.PeerRunner},
 * which times the operations that change files. {@code scripts/bench-peers.sh} runs them interleaved
 * with the peers and writes the table of {@code BENCHMARKS.md}. Not published.
 */
@NullMarked
package io.github.xlsnap.benchmarks;

import org.jspecify.annotations.NullMarked;
