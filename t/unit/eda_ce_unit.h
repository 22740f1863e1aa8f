
/*
 * Copyright (C) ngx_eda authors
 */


#ifndef _EDA_CE_UNIT_H_INCLUDED_
#define _EDA_CE_UNIT_H_INCLUDED_


/*
 * What the unit tests of the CloudEvents cores share: a minimal valid
 * event and the checks around it.  Included after eda_unit.h.
 */


#include <string.h>

#include "ngx_eda_ce.h"


#define TP_VALID "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


static void
set(ngx_eda_ce_event_t *ev, const char *name, const char *value)
{
    EDA_CHECK(ngx_eda_ce_set(ev, name, strlen(name), value, strlen(value))
              == 0);
}


static void
base_event(ngx_eda_ce_event_t *ev)
{
    memset(ev, 0, sizeof(ngx_eda_ce_event_t));

    set(ev, "specversion", "1.0");
    set(ev, "id", "1");
    set(ev, "source", "/s");
    set(ev, "type", "t");
}


static int
attr_is(ngx_eda_ce_str_t *attr, const char *want)
{
    if (want == NULL) {
        return attr->data == NULL && attr->len == 0;
    }

    return attr->data != NULL && attr->len == strlen(want)
           && memcmp(attr->data, want, attr->len) == 0;
}


#endif /* _EDA_CE_UNIT_H_INCLUDED_ */
