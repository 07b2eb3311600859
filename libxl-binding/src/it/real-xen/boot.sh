#!/usr/bin/env bash
# real-xen stage, step 4: boots Xen 4.17 with the PV dom0 under qemu-system-x86_64 (TCG, -cpu qemu64,+npt:
# with -cpu max, SMAP emulation kills the PV dom0, and max,-smap crashes userspace; +npt gives Xen HAP, so
# PVH guests have log-dirty mode and live checkpoints: shared/research xen-in-qemu ADDENDUM-live-hap.md)
# with $WORK/share on virtio-9p. dom0 runs the tests and powers
# off. Every serial line is prefixed with seconds since QEMU start ($WORK/serial.log).
# Env: TIMEOUT (seconds, default 2400: generous; a run took 1130 s with the 2 cores shared), SMP (2), MEM (3072M), DOM0_MEM (1792M: two lanes' JVMs and the tmpfs for memory images), CPU (qemu64,+npt).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XLSNAP_XEN_CACHE:-$HOME/.cache/xlsnap/real-xen}
WORK=${WORK:-$HERE/../../../target/real-xen}
WORK=$(cd "$WORK" && pwd)
KVER=$(ls "$CACHE/x/lib/modules" | head -1)
CPU=${CPU:-qemu64,+npt}; SMP=${SMP:-2}; MEM=${MEM:-3072M}; DOM0_MEM=${DOM0_MEM:-1792M}; TIMEOUT=${TIMEOUT:-2400}
LOG=$WORK/serial.log
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=$DOM0_MEM,max:$DOM0_MEM dom0_max_vcpus=$SMP loglvl=all guest_loglvl=all"
DOM0_ARGS="console=hvc0 earlyprintk=xen rdinit=/init loglevel=4"
echo "real-xen: booting Xen under QEMU TCG (timeout ${TIMEOUT}s), serial log $LOG"
start=$(date +%s)
timeout "$TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg -cpu "$CPU" -m "$MEM" -smp "$SMP" \
  -nographic -no-reboot -monitor none -serial stdio -net none \
  -virtfs "local,path=$WORK/share,mount_tag=share,security_model=none,id=share" \
  -kernel "$CACHE/xen.elf" -append "$XEN_ARGS" \
  -initrd "$CACHE/x/boot/vmlinuz-$KVER $DOM0_ARGS,$WORK/dom0.cpio.gz" </dev/null 2>&1 \
  | perl -MTime::HiRes=time -ne 'BEGIN{$|=1;$t0=time} s/\r//g; next if /^\s*$/; printf "[%8.2f] %s", time-$t0, $_' \
  | tee "$LOG" | grep --line-buffered -E '@@MARK|@@RESULT|@@SCENARIO|Test run finished|tests (successful|failed|skipped|aborted)|(Started|Finished|Skipped|Aborted|Failed): |FAIL'
rc=${PIPESTATUS[0]}
echo "real-xen: qemu exit $rc (124 = timeout) after $(( $(date +%s) - start )) s"
grep -q '@@RESULT DONE' "$LOG" || { echo "real-xen: dom0 did not finish the tests" >&2; exit 1; }
exit 0
