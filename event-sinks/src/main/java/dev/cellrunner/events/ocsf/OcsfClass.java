package dev.cellrunner.events.ocsf;

/** The OCSF event classes cell-runner's events map to, with their category (OCSF 1.8.0 numbering). */
enum OcsfClass {
    BASE_EVENT(0, "Base Event", 0, "Uncategorized"),
    PROCESS_ACTIVITY(1007, "Process Activity", 1, "System Activity"),
    NETWORK_ACTIVITY(4001, "Network Activity", 4, "Network Activity"),
    DNS_ACTIVITY(4003, "DNS Activity", 4, "Network Activity"),
    DEVICE_CONFIG_STATE_CHANGE(5019, "Device Config State Change", 5, "Discovery");

    final int uid;
    final String caption;
    final int categoryUid;
    final String categoryCaption;

    OcsfClass(int uid, String caption, int categoryUid, String categoryCaption) {
        this.uid = uid;
        this.caption = caption;
        this.categoryUid = categoryUid;
        this.categoryCaption = categoryCaption;
    }
}
