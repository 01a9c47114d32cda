package dev.cellrunner.runner.observe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MountInfoTest {
    @Test
    void theTopMountAtAPointWithItsOptionsAndSize() {
        MountInfo info = MountInfo.parse(List.of(
                "68 45 254:0 / / ro,nosuid,nodev,relatime - ext4 /dev/vda rw,discard",
                "70 68 0:20 / /proc ro,nosuid,nodev,relatime - proc proc rw",
                "80 68 0:40 / /proc rw,nosuid,nodev,noexec - proc proc rw",
                "81 68 0:41 /tmp /tmp rw,nosuid,nodev,relatime shared:3 - tmpfs tmpfs rw,size=1048576k,mode=755",
                "82 68 0:42 / /a\\040b rw - tmpfs tmpfs rw"));
        assertThat(info.at("/").orElseThrow().readOnly()).isTrue();
        assertThat(info.at("/proc").orElseThrow().mountOptions()).startsWith("rw");
        assertThat(info.at("/tmp").orElseThrow().superOption("size")).contains("1048576k");
        assertThat(MountInfo.sizeInBytes("1048576k")).isEqualTo(1L << 30);
        assertThat(MountInfo.sizeInBytes("4096")).isEqualTo(4096);
        assertThat(MountInfo.sizeInBytes("?")).isEqualTo(-1);
        assertThat(info.at("/a b")).isPresent();
        assertThat(info.at("/absent")).isEmpty();
    }
}
