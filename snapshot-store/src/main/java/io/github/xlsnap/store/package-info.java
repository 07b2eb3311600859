/**
 * The durable snapshot metadata store, {@link io.github.xlsnap.store.JsonSnapshotStore}.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * &lt;root&gt;/                                  default /var/lib/xen/snapshots, mode 0700
 *   &lt;domain-uuid&gt;/                         mode 0700; only canonical UUID names are domains
 *     snapshotdata-&lt;name&gt;.libxl-json       one per snapshot, mode 0600 (the seed design's file)
 *     xlsnap-domain.libxl-json             the domain record: generation, current, owned_images,
 *                                          deferred_internal_snapshots (pdev_path, tag)
 *     xlsnap-journal.libxl-json            present only while a change is applied
 *     xlsnap-read-cache.bin                derived: the decoded records, for a fast cold read
 *     xlsnap-intent.properties             the manager's record of an operation that did not end
 *     xlsnap.lock                          the short lock: held while a load reads or a save commits
 *     xlsnap-lease.lock                    the lease: held for a manager's whole operation; the
 *                                          holder's pid inside, for messages
 *     &lt;name&gt;.memory                        memory images (written by the manager)
 *     quarantine/                          files set aside by repair, never deleted, named
 *                                          &lt;file&gt;.&lt;UTC time&gt; (shortened with a hash if too long)
 * </pre>
 *
 * <p><b>Name budget.</b> Every file name the store makes from a snapshot's name fits Linux's
 * {@code NAME_MAX} (255 bytes): the longest, {@code .snapshotdata-<name>.libxl-json.tmp}, adds 29
 * bytes, so names have at most {@link io.github.xlsnap.core.SnapshotNames#MAX_BYTES} (226) bytes, and a
 * save checks every name, and every file name made from it, before it writes anything. A quarantined
 * file's name is shortened to fit. Names of up to 255 bytes, which earlier versions accepted but could
 * never save, are still read where they only refer to a snapshot (a parent, a child), so that what such
 * a version left is a tree for {@code repair} to fix, not an unreadable file.
 *
 * <h2>Format</h2>
 *
 * <p>libxl-json, as {@code libxl_domain_config_to_json} writes it: lowercase C-style keys, 4-space
 * indentation, fields at their default omitted (false, empty, absent) and defaulted when read. A
 * snapshot file holds {@code format_version} (1), {@code name}, {@code create_time} (ISO-8601),
 * {@code description}, {@code snapshot_args} ({@code memory}, {@code memory_path},
 * {@code memory_stamp}, {@code live}, {@code disks}: {@code vdev}, {@code mode}, {@code format},
 * {@code pdev_path}, {@code tag}, {@code external_path}, {@code pdev_stamp}), {@code parent},
 * {@code children} and {@code domain_state} (as {@code libxl_dominfo}: {@code running},
 * {@code blocked}, {@code paused}, {@code dying}, {@code shutdown_reason}). Reading is strict; a file
 * of a newer {@code format_version} is refused. Fields this version does not know, at the top level,
 * in {@code snapshot_args}, in a disk (matched by {@code vdev}), in {@code domain_state} and in the
 * domain record, are kept when the file is rewritten.
 *
 * <h2>Durability and atomicity</h2>
 *
 * <p>Every file is written as a temporary file in the same directory ({@code .<file>.tmp}), forced
 * to disk, renamed over the target and the directory forced, after square/tape's {@code QueueFile}
 * and JGit's {@code LockFile}. A save may change several files (a create adds a file and rewrites the
 * parent's {@code children}; a merge-delete rewrites every child; a {@code --children} delete removes
 * many), so a save is made atomic by a per-domain <b>journal</b>:
 *
 * <ol>
 *   <li>the journal, holding the full new content of every changed file, the files to delete and the
 *       new domain record with the next <b>generation</b>, the changed snapshot files and the new
 *       domain record are written as temporary files, and all of them forced to disk;
 *   <li>the journal's temporary file is renamed into place and the directory forced: this rename is
 *       the commit point;
 *   <li>the changed snapshot files are renamed into place, the deleted ones removed, the domain record
 *       renamed into place last, and the directory forced once for all of them: the domain record's
 *       generation says the change is applied;
 *   <li>the journal is removed.
 * </ol>
 *
 * <p>Every access to a domain (load, save, check, repair, and {@link
 * io.github.xlsnap.store.JsonSnapshotStore#open} for all domains) first <b>recovers</b>: a journal
 * whose generation is above the domain record's, or equal to it, is applied again (each step is
 * idempotent, and each file is written durably in turn), one below it is stale and removed, and
 * temporary files are removed. Equal matters because the renames of step 3 are forced together: a
 * power loss may keep the domain record's rename and lose a record's, and the journal, still there,
 * then completes the change; a journal whose removal was lost is the last change, and applying it
 * again writes the same files. A crash before the commit point leaves the old state (and temporary
 * files); a crash after it leaves the new state once recovered. So the store reads as wholly before or
 * wholly after any save. A create costs the journal, the new record, the parent's record and the domain
 * record, forced together, and two directory fsyncs (the floor: see {@code BENCHMARKS.md}). A save
 * compares the snapshots it is given with those it holds by name and identity, and writes, and copies,
 * only the records that changed.
 *
 * <h2>I/O errors</h2>
 *
 * <p>An I/O error decides a save's outcome as {@link io.github.xlsnap.core.spi.SnapshotStore} asks, on
 * the store that met it as on any other: before the journal's rename, nothing is committed (the
 * temporary files are removed, an {@link io.github.xlsnap.core.XlsnapIOException} thrown); if forcing the
 * directory right after the rename fails, the journal is removed again and the save throws, unless that
 * fails too, and then the change stands; after that, the change is committed, and an error applying it
 * is logged, the store's cached state of the domain dropped, and the save returns: the next access, by
 * any store, applies the journal. Intents are committed alike (the previous record is put back to
 * undo). The file operations go through an internal seam that tests use to fail any one of them.
 *
 * <p>A journal that cannot be applied (a persisting I/O error, a damaged journal, a name too long
 * written by an older version) stops nothing but its own domain: {@code open} logs it, the domain's
 * loads throw a {@link io.github.xlsnap.store.CorruptMetadataException} or an
 * {@link io.github.xlsnap.core.XlsnapIOException} naming the journal, {@code check} reports it as
 * {@code JOURNAL_NOT_APPLIED}, and {@code repair}, after trying it once more, moves it to
 * {@code quarantine/} and says that the change it held is not applied: the domain stays at its last
 * applied generation, and the files the change had already rewritten are repaired like any others.
 *
 * <h2>Concurrency</h2>
 *
 * <p>Every access to a domain holds its short lock while it reads or commits: an in-JVM lock shared by
 * all stores of the JVM, plus an OS lock on {@code xlsnap.lock}. Readers hold it too, so they never see
 * a change half applied, and can complete a dead writer's change. A manager's whole operation (load,
 * hypervisor work that may take minutes, save) holds the domain's <b>lease</b> instead
 * ({@code lockDomain}), a lock of the same kind on {@code xlsnap-lease.lock}: leases exclude each
 * other, between threads and processes, but a load never waits for one, only for a commit in
 * progress; the holder's own loads and saves take the short lock like everyone's. A lease is waited
 * for until a timeout ({@link io.github.xlsnap.core.DomainBusyException}, naming the holder: another
 * thread of this process, or another process and its pid) and gives up on an interrupt
 * ({@link io.github.xlsnap.core.OperationCancelledException}). {@code repair} holds the lease too. Both
 * OS locks are polled, never waited for in the kernel, and die with their process. A store caches the last
 * state it read, keyed by the generation, and re-reads only the small domain record when nothing
 * changed; files edited by hand without a generation change are seen by {@code check}, which always
 * reads afresh, and by the next process (see the read cache).
 *
 * <h2>The read cache</h2>
 *
 * <p>A process that reads a domain for the first time would parse every snapshot file (10,000 take
 * over a second in a fresh JVM). Instead it reads {@code xlsnap-read-cache.bin}: the decoded
 * records of the domain's snapshot files, each with its file's identity when it was read (size,
 * modification time in nanoseconds, a hash of its device and inode), with a format version, the
 * domain's UUID and a CRC-32C. The snapshot files stay the only source of truth:
 *
 * <ul>
 *   <li>every load that misses the in-memory state still lists the directory and reads each snapshot
 *       file's identity ({@code lstat}); a record is taken from the cache only for a listed file whose
 *       identity is unchanged and that was last modified at least 3 s before the listing that made the
 *       cache (a change within a file system's timestamp granularity of that listing could keep the
 *       identity: git's "racy clean" case). Every other file is parsed, so files added, removed or
 *       edited by hand are seen, and a bad one is reported as without a cache;
 *   <li>a cache that is missing, truncated, of another version or domain, or fails its checksum is
 *       ignored; a load that parsed a file the cache could now vouch for rewrites it (temporary file
 *       and rename, under the domain's lock, without fsync: a torn or lost write is only ignored);
 *   <li>{@code check} and {@code repair} never use it: they read every file afresh, so the cache can
 *       hide no bad file from them; {@code repair} deletes it;
 *   <li>a save does not write it; the JSON a save rewrites (to keep unknown fields) is read from the
 *       file when the record came from the cache.
 * </ul>
 *
 * <p>What it cannot see: a file changed in place to the same size whose modification time is then
 * set back, or whose inode and device hash the same. A load trusts such a file's cached record, as
 * git trusts its index; {@code check} still reads the file.
 *
 * <p>Reading uses Jackson's streaming parser only; the {@code ObjectMapper}, costly to initialize in a
 * fresh JVM, is made on the first write. Numbers are in {@code snapshot-store/BENCHMARKS.md}.
 *
 * <h2>Safety of paths</h2>
 *
 * <p>Domain directories are named by canonical UUIDs only; snapshot file names come from names
 * checked by {@link io.github.xlsnap.core.SnapshotNames} (no {@code /}, not {@code .} or
 * {@code ..}), and the name inside a file must equal its file name's. Symbolic links are never
 * followed: a linked domain directory or metadata file is refused. Bad files are reported as a
 * {@link io.github.xlsnap.store.CorruptMetadataException} naming the file, or a
 * {@link io.github.xlsnap.store.StoreFinding} of {@code check}; they are never skipped silently,
 * rewritten or deleted, and {@code repair} moves them to {@code quarantine/}.
 */
@NullMarked
package io.github.xlsnap.store;

import org.jspecify.annotations.NullMarked;
