/* drivers.c: the table of compiled-in drivers.  Adding a driver = one
 * file defining `const struct tw_driver drv_NAME` + one line here. */
#include "config.h"
#include "driver.h"

#include <string.h>

extern const struct tw_driver drv_snmp;
extern const struct tw_driver drv_ontap, drv_purefa, drv_hpe3par,
	drv_oceanstor, drv_powerstore, drv_ibmsv, drv_unity;

const struct tw_driver *const tw_drivers[] = {
	&drv_snmp,
	&drv_ontap,
	&drv_purefa,
	&drv_hpe3par,
	&drv_oceanstor,
	&drv_powerstore,
	&drv_ibmsv,
	&drv_unity,
	NULL,
};

const struct tw_driver *tw_driver_find(const char *name)
{
	for (size_t i = 0; tw_drivers[i]; i++)
		if (strcmp(tw_drivers[i]->name, name) == 0)
			return tw_drivers[i];
	return NULL;
}
