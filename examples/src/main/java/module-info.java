/** xlsnap examples: the demo and programs that show how to embed the SDK. */
module io.github.xlsnap.examples {
  requires io.github.xlsnap.core;
}
