/**
 * xlsnap snapshot-store: the durable, crash-safe JSON snapshot metadata store. In development: this module is an empty placeholder until its issue lands.
 */
module io.github.xlsnap.store {
  requires io.github.xlsnap.core;
}
