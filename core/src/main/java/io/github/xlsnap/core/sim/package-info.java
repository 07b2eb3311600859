/**
 * The simulated Xen host: a real {@link io.github.xlsnap.core.spi.Hypervisor} whose domains have a
 * memory of bytes and real qcow2 or raw disks, for embedders' tests and for demos, like libvirt's
 * {@code test:///default}. Start with {@link io.github.xlsnap.core.sim.SimulatedHypervisor}.
 *
 * <h2>The host directory</h2>
 *
 * <p>A simulated host lives in a directory, so that several processes can share it:
 *
 * <pre>
 * host.properties                    format version (1) and the next domid to hand out
 * lock                               locked by each call, against other processes
 * domains/UUID/domain.properties     a domain's name, UUID, memory size, vcpus, disks (target,
 *                                    format, image, size), domid, paused/suspended flags
 *                                    and, for a preserved domain whose guest crashed or powered
 *                                    off, its shutdown reason (key shutdown, CRASH or POWEROFF)
 * domains/UUID/memory.bin            its memory, as many bytes as it has
 * domains/UUID/dirty-pages.bitmap    the pages written since they were copied, while a live
 *                                    checkpoint runs
 * domains/UUID/disks/TARGET.FORMAT   the disk images created with the domain
 * </pre>
 *
 * <p>The {@code .properties} files are replaced atomically (temporary file, fsync, rename, fsync of
 * the directory); a file of another format version, or one that does not parse, is refused with an
 * exception naming it. Guest memory is written in place, as RAM is volatile. Destroying a domain
 * removes its {@code domain.properties} and {@code memory.bin}; disk images are user data and stay.
 *
 * <h2>Image locks</h2>
 *
 * <p>While a domain exists, the images of its disks and their backing files carry the byte-range
 * locks QEMU's {@code file-posix} driver takes (shared locks on bytes 100 + <i>n</i> for each
 * permission held and 200 + <i>n</i> for each permission not shared): bytes 100, 101, 103, 201 and 203
 * of a disk's image, 100, 201 and 203 of a backing file. They are taken by each process that has the
 * host open, so {@code qemu-img} meets them as it would meet QEMU's; see
 * {@link io.github.xlsnap.core.sim.SimulatedHypervisor}.
 *
 * <h2>The memory image format</h2>
 *
 * <p>{@link io.github.xlsnap.core.sim.SimulatedHypervisor#checkpoint} writes, and
 * {@link io.github.xlsnap.core.sim.SimulatedHypervisor#restore} reads, this format, version 1; all
 * numbers are big-endian:
 *
 * <pre>
 * header   8 bytes  magic "XLSIMMEM"
 *          u32      format version, 1
 *          u32      page size, 4096
 *          u64 u64  the domain's UUID: most, then least significant bits
 *          u64      the memory size in bytes
 * records  u64      page index, below memory size / page size
 *          4096     the page's bytes
 *          ...      in the order sent: a page dirtied during a live checkpoint comes again in a
 *                   later round, and a restore replays the records in order, so the last one wins
 * trailer  u64      0xFFFFFFFFFFFFFFFF, the end marker
 *          u64      the number of page records
 *          u32      CRC-32C of every byte before it
 * </pre>
 *
 * <p>A restore refuses, naming the file and the fault, an image whose magic, version, page size,
 * UUID or memory size is not the domain's, that ends early or continues after its trailer, whose
 * record count or checksum does not match, or that lacks a page.
 */
@NullMarked
package io.github.xlsnap.core.sim;

import org.jspecify.annotations.NullMarked;
