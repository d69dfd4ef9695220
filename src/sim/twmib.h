/* twmib.h: the `thinwatch` personality: renders one scenario array as the
 * THINWATCH-MIB (mibs/THINWATCH-MIB.txt) plus the MIB-II system group into a
 * simdata table, and keeps the values that change with scenario time
 * (sysUpTime, growing volumes' consumed, their pools' used and free) current.
 *
 *   system       .1.3.6.1.2.1.1   sysDescr.0 sysObjectID.0 (= twSimulator)
 *                                 sysUpTime.0 sysName.0
 *   thinwatch    .1.3.6.1.4.1.424242
 *     .1.1.{1-4}.0                twArrayVendor Model Serial Version
 *     .1.2.1.{2-5}.P              twPoolName Capacity Used Free (P = 1..pools)
 *     .1.3.1.{2-7}.V              twVolumeName PoolIndex Provisioned Consumed
 *                                 Thin Wwn (V = 1..volumes, pool by pool)
 */
#ifndef TW_SIM_TWMIB_H
#define TW_SIM_TWMIB_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"

struct sim_array;
struct simdata;
struct twmib;

/* Sub-identifiers of the thinwatch enterprise arc, for other users. */
#define TWMIB_ENTERPRISE 1, 3, 6, 1, 4, 1, 424242

/* Render array a (which must outlive the result). */
tw_err twmib_new(const struct sim_array *a, struct twmib **out, char *msg, size_t msglen);
void twmib_free(struct twmib *m); /* NULL-safe */
/* The rendered table (owned by m). */
struct simdata *twmib_data(struct twmib *m);
/* Bring time-dependent values to scenario time t_ns and sysUpTime to ticks
 * (hundredths of a second since the agent started). */
void twmib_update(struct twmib *m, uint64_t t_ns, uint32_t uptime_ticks);

#endif
