/**
 * The PostgreSQL snapshot store, {@link io.github.xlsnap.store.postgres.PostgresSnapshotStore}, and
 * its typed errors.
 *
 * <h2>When to choose it</h2>
 *
 * <p>The JSON store of {@code xlsnap-snapshot-store} is the embedded default for one host. Choose this
 * store when domains move between hosts of a pool (live migration, or restarting a domain elsewhere):
 * its metadata is keyed by the domain's UUID in one database every host uses, so after a move the new
 * host lists, reverts and deletes the domain's snapshots. The domains' disk images and the store's
 * {@linkplain io.github.xlsnap.store.postgres.PostgresSnapshotStore.Builder#dataRoot data root} must
 * then be on storage every host sees at the same paths.
 *
 * <h2>Row paths</h2>
 *
 * <p>Where the JSON store names a file in its errors, this store names a <em>row path</em>:
 * {@code <schema>/<table>/<domain-uuid>}, and {@code <schema>/snapshots/<domain-uuid>/<name>} for one
 * snapshot's row (snapshot names never contain {@code /}). It is what
 * {@link io.github.xlsnap.core.XlsnapIOException#file()} and
 * {@link io.github.xlsnap.store.postgres.CorruptRowException#rows()} return.
 */
@NullMarked
package io.github.xlsnap.store.postgres;

import org.jspecify.annotations.NullMarked;
