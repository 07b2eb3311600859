/**
 * The {@code xlsnap} command line: the seed design's {@code xl snapshot-*} commands over the xlsnap
 * API, for operators and scripts. Entry point: {@link io.github.xlsnap.examples.cli.Xlsnap}.
 */
package io.github.xlsnap.examples.cli;
