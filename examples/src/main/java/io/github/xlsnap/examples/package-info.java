/** The demo and programs that show how to embed xlsnap. */
package io.github.xlsnap.examples;
