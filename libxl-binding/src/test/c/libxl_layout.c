/* Prints the size and every field offset of the libxl structs xlsnap binds with JNR, as
 * "<struct> <field> <offset>" and "<struct> sizeof <size>", for LibxlStructLayoutTest. */
#include <stddef.h>
#include <stdio.h>
#include <libxl.h>

#define SIZE(s) printf("%s sizeof %zu\n", #s, sizeof(s))
#define OFF(s, f) printf("%s %s %zu\n", #s, #f, offsetof(s, f))
/* a member inside a union or nested struct, under the Java field's name (dots become '_') */
#define OFFN(s, name, f) printf("%s %s %zu\n", #s, name, offsetof(s, f))

int main(void) {
    SIZE(libxl_dominfo);
    OFF(libxl_dominfo, uuid); OFF(libxl_dominfo, domid); OFF(libxl_dominfo, ssidref);
    OFF(libxl_dominfo, ssid_label); OFF(libxl_dominfo, running); OFF(libxl_dominfo, blocked);
    OFF(libxl_dominfo, paused); OFF(libxl_dominfo, shutdown); OFF(libxl_dominfo, dying);
    OFF(libxl_dominfo, never_stop); OFF(libxl_dominfo, shutdown_reason);
    OFF(libxl_dominfo, outstanding_memkb); OFF(libxl_dominfo, current_memkb);
    OFF(libxl_dominfo, shared_memkb); OFF(libxl_dominfo, paged_memkb); OFF(libxl_dominfo, max_memkb);
    OFF(libxl_dominfo, cpu_time); OFF(libxl_dominfo, vcpu_max_id); OFF(libxl_dominfo, vcpu_online);
    OFF(libxl_dominfo, cpupool); OFF(libxl_dominfo, gpaddr_bits); OFF(libxl_dominfo, domain_type);

    SIZE(libxl_device_disk);
    OFF(libxl_device_disk, backend_domid); OFF(libxl_device_disk, backend_domname);
    OFF(libxl_device_disk, pdev_path); OFF(libxl_device_disk, vdev); OFF(libxl_device_disk, backend);
    OFF(libxl_device_disk, format); OFF(libxl_device_disk, script); OFF(libxl_device_disk, removable);
    OFF(libxl_device_disk, readwrite); OFF(libxl_device_disk, is_cdrom);
    OFF(libxl_device_disk, direct_io_safe); OFF(libxl_device_disk, discard_enable);
    OFF(libxl_device_disk, specification); OFF(libxl_device_disk, transport); OFF(libxl_device_disk, irq);
    OFF(libxl_device_disk, base); OFF(libxl_device_disk, colo_enable);
    OFF(libxl_device_disk, colo_restore_enable); OFF(libxl_device_disk, colo_host);
    OFF(libxl_device_disk, colo_port); OFF(libxl_device_disk, colo_export);
    OFF(libxl_device_disk, active_disk); OFF(libxl_device_disk, hidden_disk); OFF(libxl_device_disk, trusted);

    SIZE(libxl_domain_restore_params);
    OFF(libxl_domain_restore_params, checkpointed_stream); OFF(libxl_domain_restore_params, stream_version);
    OFF(libxl_domain_restore_params, colo_proxy_script);
    OFF(libxl_domain_restore_params, userspace_colo_proxy);

    SIZE(libxl_childproc_hooks);
    OFF(libxl_childproc_hooks, chldowner); OFF(libxl_childproc_hooks, fork_replacement);
    OFF(libxl_childproc_hooks, reaped_callback);

    SIZE(libxl_asyncop_how);
    OFF(libxl_asyncop_how, callback); OFFN(libxl_asyncop_how, "u_for_event", u.for_event);

    SIZE(libxl_event);
    OFF(libxl_event, link); OFF(libxl_event, domid); OFF(libxl_event, domuuid); OFF(libxl_event, for_user);
    OFF(libxl_event, type);
    OFFN(libxl_event, "u_operation_complete_rc", u.operation_complete.rc);
    printf("constant LIBXL_EVENT_TYPE_OPERATION_COMPLETE %d\n", (int) LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
    printf("constant ERROR_ABORTED %d\n", (int) ERROR_ABORTED);
    printf("constant INVALID_DOMID %d\n", (int) (uint32_t) INVALID_DOMID);

    /* handled as an opaque buffer of this size */
    SIZE(libxl_domain_config);
    return 0;
}
