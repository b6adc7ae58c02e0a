/* The StorageInfo descriptor an external loader exports (200 bytes, read from the file by the programmer,
 * never executed): layout in docs/external-loader-abi.md §1. Shared by the test loaders
 * (tests/firmware/badloaders, tests/firmware/fidelity); each fills in its own device. */
#ifndef STORAGE_INFO_H
#define STORAGE_INFO_H

#include <stdint.h>

struct storage_info {
    char name[100];
    uint16_t type;
    uint32_t start, size, page;
    uint8_t erase_value;
    struct { uint32_t count, size; } sectors[10];
};

#endif
