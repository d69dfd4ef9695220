/* snmprec.h: loading SNMP recordings into a simdata table, so the simulator
 * can replay a real device.  Two formats, detected from the first data line:
 *
 *  - snmpsim record format (.snmprec): one `OID|TAG|VALUE` per line, TAG the
 *    BER type number (2 Integer32, 4 OCTET STRING, 5 NULL, 6 OID,
 *    64 IpAddress, 65 Counter32, 66 Gauge32, 67 TimeTicks, 68 Opaque,
 *    70 Counter64), with an `x` suffix (`4x`, `64x`) when VALUE is hex;
 *    `#` comments and blank lines are ignored; 128-130 (noSuchObject,
 *    noSuchInstance, endOfMibView) are skipped.
 *  - `snmpwalk -On` text (also snmpbulkwalk): `.1.3.6.1... = TYPE: value`
 *    with STRING (quoted, may span lines), Hex-STRING (may wrap), INTEGER
 *    (also `name(3)`), Counter32, Gauge32, Counter64, UInteger32,
 *    Timeticks: (n), OID, IpAddress, Network Address, OPAQUE (hex), BITS,
 *    NULL, `""`; "No Such ..." / "No more variables" lines are skipped.
 *
 * Records may come in any order (simdata_finish sorts them); for an OID
 * recorded twice the first record wins. */
#ifndef TW_SIM_SNMPREC_H
#define TW_SIM_SNMPREC_H

#include <stddef.h>
#include "tw.h"

struct simdata;

/* Append the records of a file to sd (the caller calls simdata_finish).
 * *nrecords (optional) receives the number of records added.  Errors name
 * "file:line: ..." in msg. */
tw_err snmprec_load_file(const char *path, struct simdata *sd, size_t *nrecords, char *msg,
			 size_t msglen);
tw_err snmprec_load_string(const char *name, const char *text, size_t len, struct simdata *sd,
			   size_t *nrecords, char *msg, size_t msglen);

#endif
