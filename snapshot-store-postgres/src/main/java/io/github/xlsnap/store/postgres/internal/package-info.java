/**
 * Internals of the PostgreSQL store: the JSON codec of snapshot rows, the schema migrations and the
 * translation of driver errors. Not exported; no API.
 */
@NullMarked
package io.github.xlsnap.store.postgres.internal;

import org.jspecify.annotations.NullMarked;
