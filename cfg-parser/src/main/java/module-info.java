/**
 * xlsnap cfg-parser: the xl configuration language parser (snapshot cfgfiles and domain xl.cfg). In development: this module is an empty placeholder until its issue lands.
 */
module io.github.xlsnap.cfg {
  requires io.github.xlsnap.core;
}
