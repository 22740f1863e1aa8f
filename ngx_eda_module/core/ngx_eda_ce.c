
/*
 * Copyright (C) ngx_eda authors
 */


/*
 * The CloudEvents 1.0 attributes: what makes a name and a value valid
 * (URI-references, media types, RFC 3339 times), an event's attribute
 * list, and the small formats the gateway generates or has to trust
 * (RFC 3339 time, UUIDv4, traceparent, ce-* header percent-encoding).
 * Only libc, so it is unit-tested and fuzzed without nginx.
 */


#include <string.h>

#include "ngx_eda_ce.h"
#include "ngx_eda_utf8.h"


static int ngx_eda_ce_streq(const char *a, size_t alen, const char *b,
    size_t blen);
static int ngx_eda_ce_is(const char *name, size_t len, const char *lit);
static int ngx_eda_ce_uri_char(unsigned char ch);
static int ngx_eda_ce_valid_uri_ref(const char *s, size_t len);
static int ngx_eda_ce_valid_abs_uri(const char *s, size_t len);
static int ngx_eda_ce_token_char(unsigned char ch);
static size_t ngx_eda_ce_token(const char *s, size_t len, size_t i);
static int ngx_eda_ce_valid_media_type(const char *s, size_t len);
static int ngx_eda_ce_digits(const char *s, size_t n);
static int ngx_eda_ce_is_leap(int year);
static int ngx_eda_ce_lower_hex(const char *s, size_t n, int *nonzero);
static int ngx_eda_ce_hex_value(unsigned char ch);


/*
 * The first NGX_EDA_CE_NREQUIRED are required, in the order the JSON
 * output puts them; the first NGX_EDA_CE_NCORE are the spec's own
 * attributes, which must be strings.  The rest only give error reports a
 * name that outlives the parsed input.
 */
const char *const  ngx_eda_ce_known[] = {
    "specversion", "id", "source", "type",
    "datacontenttype", "dataschema", "subject", "time",
    "data", "data_base64",
    "traceparent", "tracestate", "partitionkey", "dataref", "sequence",
    NULL
};


static const char  ngx_eda_ce_hex[] = "0123456789abcdef";

/* 'd' a digit, 'T' either case of it, anything else itself */
static const char  ngx_eda_ce_time_tmpl[] = "dddd-dd-ddTdd:dd:dd";

static const int  ngx_eda_ce_mdays[] = {
    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
};


int
ngx_eda_ce_valid_name(const char *name, size_t len)
{
    size_t  i;

    if (len == 0 || len > NGX_EDA_CE_MAX_NAME) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((name[i] >= 'a' && name[i] <= 'z')
              || (name[i] >= '0' && name[i] <= '9')))
        {
            return 0;
        }
    }

    return 1;
}


int
ngx_eda_ce_check_value(const char *name, size_t name_len,
    const char *value, size_t value_len, const char **err)
{
    size_t          i;
    uint64_t        w;
    unsigned int    c, control, ascii;

    if (value_len > NGX_EDA_CE_MAX_VALUE) {
        *err = "attribute value too long";
        return -1;
    }

    /*
     * One pass for both checks (this runs for every attribute of every
     * event): the UTF-8 decoder only for a value that is not all ASCII,
     * which almost none is; invalid UTF-8 is reported first, as before.
     */

    control = 0;
    ascii = 1;

    /*
     * Eight bytes at a time: (w - 0x20..) & ~w & 0x80.. is not zero
     * exactly when a byte is below 0x20 (bytes from 0x80 up have their
     * top bit cleared by ~w), the same on w ^ 0x7f.. finds a 0x7f.
     */

    for (i = 0; i + 8 <= value_len; i += 8) {
        memcpy(&w, value + i, 8);
        control |= ((((w - 0x2020202020202020ULL) & ~w)
                     | (((w ^ 0x7f7f7f7f7f7f7f7fULL)
                         - 0x0101010101010101ULL)
                        & ~(w ^ 0x7f7f7f7f7f7f7f7fULL)))
                    & 0x8080808080808080ULL) != 0;
        ascii &= (w & 0x8080808080808080ULL) == 0;
    }

    for ( /* void */ ; i < value_len; i++) {
        c = (unsigned char) value[i];
        control |= (c < 0x20 || c == 0x7f);
        ascii &= (c < 0x80);
    }

    if (!ascii
        && !ngx_eda_utf8_valid((const unsigned char *) value, value_len))
    {
        *err = "attribute value is not valid UTF-8";
        return -1;
    }

    if (control) {
        *err = "attribute value contains a control character";
        return -1;
    }

    if (ngx_eda_ce_is(name, name_len, "specversion")) {
        if (!ngx_eda_ce_streq(value, value_len, "1.0", 3)) {
            *err = "specversion must be \"1.0\"";
            return -1;
        }

        return 0;
    }

    if (ngx_eda_ce_is(name, name_len, "id")
        || ngx_eda_ce_is(name, name_len, "type")
        || ngx_eda_ce_is(name, name_len, "subject"))
    {
        if (value_len == 0) {
            *err = "attribute must not be empty";
            return -1;
        }

        return 0;
    }

    if (ngx_eda_ce_is(name, name_len, "source")) {
        if (value_len == 0) {
            *err = "attribute must not be empty";
            return -1;
        }

        if (!ngx_eda_ce_valid_uri_ref(value, value_len)) {
            *err = "source must be a URI-reference";
            return -1;
        }

        return 0;
    }

    if (ngx_eda_ce_is(name, name_len, "dataschema")) {
        if (!ngx_eda_ce_valid_abs_uri(value, value_len)) {
            *err = "dataschema must be an absolute URI";
            return -1;
        }

        return 0;
    }

    if (ngx_eda_ce_is(name, name_len, "time")) {
        if (!ngx_eda_ce_valid_time(value, value_len)) {
            *err = "time must be an RFC 3339 timestamp";
            return -1;
        }

        return 0;
    }

    if (ngx_eda_ce_is(name, name_len, "datacontenttype")) {
        if (!ngx_eda_ce_valid_media_type(value, value_len)) {
            *err = "datacontenttype must be a media type";
            return -1;
        }

        return 0;
    }

    return 0;
}


int
ngx_eda_ce_validate(const ngx_eda_ce_event_t *ev, const char **err,
    ngx_eda_ce_str_t *attr)
{
    int                       rc;
    size_t                    i, j, len;
    const ngx_eda_ce_attr_t  *a;

    attr->data = NULL;
    attr->len = 0;

    if (ev->nattrs > NGX_EDA_CE_MAX_ATTRS) {
        *err = "too many attributes";
        return -1;
    }

    for (i = 0; i < ev->nattrs; i++) {
        a = &ev->attrs[i];

        if (!ngx_eda_ce_valid_name(a->name.data, a->name.len)) {
            *err = "invalid attribute name";
            *attr = a->name;
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (ngx_eda_ce_streq(ev->attrs[j].name.data, ev->attrs[j].name.len,
                                 a->name.data, a->name.len))
            {
                *err = "duplicate attribute";
                *attr = a->name;
                return -1;
            }
        }

        rc = ngx_eda_ce_check_value(a->name.data, a->name.len,
                                    a->value.data, a->value.len, err);
        if (rc != 0) {
            *attr = a->name;
            return -1;
        }
    }

    for (i = 0; i < NGX_EDA_CE_NREQUIRED; i++) {
        len = strlen(ngx_eda_ce_known[i]);

        if (ngx_eda_ce_get(ev, ngx_eda_ce_known[i], len) == NULL) {
            *err = "missing required attribute";
            attr->data = ngx_eda_ce_known[i];
            attr->len = len;
            return -1;
        }
    }

    return 0;
}


const ngx_eda_ce_str_t *
ngx_eda_ce_get(const ngx_eda_ce_event_t *ev, const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < ev->nattrs && i < NGX_EDA_CE_MAX_ATTRS; i++) {
        if (ngx_eda_ce_streq(ev->attrs[i].name.data, ev->attrs[i].name.len,
                             name, len))
        {
            return &ev->attrs[i].value;
        }
    }

    return NULL;
}


int
ngx_eda_ce_set(ngx_eda_ce_event_t *ev, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
    size_t              i;
    ngx_eda_ce_attr_t  *a;

    for (i = 0; i < ev->nattrs && i < NGX_EDA_CE_MAX_ATTRS; i++) {
        a = &ev->attrs[i];

        if (ngx_eda_ce_streq(a->name.data, a->name.len, name, name_len)) {
            a->value.data = value;
            a->value.len = value_len;
            return 0;
        }
    }

    if (ev->nattrs >= NGX_EDA_CE_MAX_ATTRS) {
        return -1;
    }

    a = &ev->attrs[ev->nattrs++];

    a->name.data = name;
    a->name.len = name_len;
    a->value.data = value;
    a->value.len = value_len;

    return 0;
}


void
ngx_eda_ce_unset(ngx_eda_ce_event_t *ev, const char *name, size_t name_len)
{
    size_t  i;

    for (i = 0; i < ev->nattrs && i < NGX_EDA_CE_MAX_ATTRS; i++) {
        if (ngx_eda_ce_streq(ev->attrs[i].name.data, ev->attrs[i].name.len,
                             name, name_len))
        {
            ev->attrs[i] = ev->attrs[--ev->nattrs];
            return;
        }
    }
}


int
ngx_eda_ce_known_index(const char *name, size_t len)
{
    int  i;

    for (i = 0; ngx_eda_ce_known[i] != NULL; i++) {
        if (ngx_eda_ce_is(name, len, ngx_eda_ce_known[i])) {
            return i;
        }
    }

    return -1;
}


int
ngx_eda_ce_is_json_type(const char *type, size_t len)
{
    size_t  i, start, end, slash;

    for (start = 0; start < len && type[start] == ' '; start++) {
        /* void */
    }

    for (end = start; end < len && type[end] != ';'; end++) {
        /* void */
    }

    while (end > start && (type[end - 1] == ' ' || type[end - 1] == '\t')) {
        end--;
    }

    slash = 0;

    for (i = start; i < end; i++) {
        if (type[i] == '/') {
            slash = i;
            break;
        }
    }

    if (i == end || slash == start) {
        return 0;
    }

    if (end - start == 16
        && ngx_eda_ce_ci_prefix(type + start, 16, "application/json"))
    {
        return 1;
    }

    if (end - start == 9 && ngx_eda_ce_ci_prefix(type + start, 9, "text/json"))
    {
        return 1;
    }

    /* a bare "+json" subtype has no base type: not a suffix */
    return end - slash - 1 > 5
           && ngx_eda_ce_ci_prefix(type + end - 5, 5, "+json");
}


int
ngx_eda_ce_is_text_type(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len && s[i] == ' '; i++) {
        /* void */
    }

    if (ngx_eda_ce_ci_prefix(s + i, len - i, "text/")) {
        return 1;
    }

    for ( ;; ) {

        while (i < len && s[i] != ';') {
            i++;
        }

        if (i == len) {
            return 0;
        }

        for (i++; i < len && (s[i] == ' ' || s[i] == '\t'); i++) {
            /* void */
        }

        if (ngx_eda_ce_ci_prefix(s + i, len - i, "charset")) {
            for (i += 7; i < len && (s[i] == ' ' || s[i] == '\t'); i++) {
                /* void */
            }

            if (i < len && s[i] == '=') {
                return 1;
            }
        }
    }
}


int
ngx_eda_ce_ci_prefix(const char *s, size_t len, const char *lit)
{
    size_t  i;
    char    ch;

    for (i = 0; lit[i] != '\0'; i++) {
        if (i == len) {
            return 0;
        }

        ch = s[i];

        if (ch >= 'A' && ch <= 'Z') {
            ch = (char) (ch - 'A' + 'a');
        }

        if (ch != lit[i]) {
            return 0;
        }
    }

    return 1;
}


void
ngx_eda_ce_format_time(time_t sec, unsigned int msec, char *out)
{
    int        i;
    long long  s, days, z, era, doe, yoe, doy, mp, year, month, day, rem;
    long long  f[6];

    s = (long long) sec;

    /* the format has four digits of year: 0000-01-01 .. 9999-12-31 */
    if (s < -62167219200LL) {
        s = -62167219200LL;
        msec = 0;
    }

    if (s > 253402300799LL) {
        s = 253402300799LL;
        msec = 999;
    }

    if (msec > 999) {
        msec = 999;
    }

    days = s / 86400;
    rem = s % 86400;

    if (rem < 0) {
        rem += 86400;
        days--;
    }

    /* days since 1970-01-01 to a civil date, in 400-year eras from March */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = yoe + era * 400 + (month <= 2);

    f[0] = year;
    f[1] = month;
    f[2] = day;
    f[3] = rem / 3600;
    f[4] = rem % 3600 / 60;
    f[5] = rem % 60;

    out[0] = (char) ('0' + f[0] / 1000);
    out[1] = (char) ('0' + f[0] / 100 % 10);
    out[2] = (char) ('0' + f[0] / 10 % 10);
    out[3] = (char) ('0' + f[0] % 10);

    for (i = 1; i < 6; i++) {
        out[i * 3 + 2] = (char) ('0' + f[i] / 10);
        out[i * 3 + 3] = (char) ('0' + f[i] % 10);
    }

    out[4] = '-';
    out[7] = '-';
    out[10] = 'T';
    out[13] = ':';
    out[16] = ':';
    out[19] = '.';
    out[20] = (char) ('0' + msec / 100);
    out[21] = (char) ('0' + msec / 10 % 10);
    out[22] = (char) ('0' + msec % 10);
    out[23] = 'Z';
}


int
ngx_eda_ce_valid_time(const char *s, size_t len)
{
    int     year, month, day, hour, min, sec, mdays;
    size_t  i, start;

    if (len < 20) {
        return 0;
    }

    for (i = 0; i < 19; i++) {
        if (ngx_eda_ce_time_tmpl[i] == 'd') {
            if (s[i] < '0' || s[i] > '9') {
                return 0;
            }

        } else if (ngx_eda_ce_time_tmpl[i] == 'T') {
            if (s[i] != 'T' && s[i] != 't') {
                return 0;
            }

        } else if (s[i] != ngx_eda_ce_time_tmpl[i]) {
            return 0;
        }
    }

    year = ngx_eda_ce_digits(s, 4);
    month = ngx_eda_ce_digits(s + 5, 2);
    day = ngx_eda_ce_digits(s + 8, 2);
    hour = ngx_eda_ce_digits(s + 11, 2);
    min = ngx_eda_ce_digits(s + 14, 2);
    sec = ngx_eda_ce_digits(s + 17, 2);

    if (month < 1 || month > 12) {
        return 0;
    }

    mdays = ngx_eda_ce_mdays[month - 1];

    if (month == 2 && ngx_eda_ce_is_leap(year)) {
        mdays = 29;
    }

    /* 60 is a leap second; which days may have one is not checked */
    if (day < 1 || day > mdays || hour > 23 || min > 59 || sec > 60) {
        return 0;
    }

    i = 19;

    if (s[i] == '.') {
        start = ++i;

        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
        }

        if (i == start || i == len) {
            return 0;
        }
    }

    if (s[i] == 'Z' || s[i] == 'z') {
        return i + 1 == len;
    }

    if (s[i] != '+' && s[i] != '-') {
        return 0;
    }

    if (len - i != 6 || s[i + 3] != ':') {
        return 0;
    }

    hour = ngx_eda_ce_digits(s + i + 1, 2);
    min = ngx_eda_ce_digits(s + i + 4, 2);

    return hour >= 0 && hour <= 23 && min >= 0 && min <= 59;
}


void
ngx_eda_ce_format_uuid4(const unsigned char rnd[16], char *out)
{
    size_t         i, o;
    unsigned char  b;

    o = 0;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[o++] = '-';
        }

        b = rnd[i];

        if (i == 6) {
            b = (unsigned char) ((b & 0x0f) | 0x40);

        } else if (i == 8) {
            b = (unsigned char) ((b & 0x3f) | 0x80);
        }

        out[o++] = ngx_eda_ce_hex[b >> 4];
        out[o++] = ngx_eda_ce_hex[b & 0x0f];
    }
}


int
ngx_eda_ce_valid_traceparent(const char *s, size_t len)
{
    int  nonzero;

    if (len < 55 || !ngx_eda_ce_lower_hex(s, 2, &nonzero)) {
        return 0;
    }

    if (s[0] == 'f' && s[1] == 'f') {
        return 0;
    }

    /* later versions may append fields, each after a '-' */
    if (s[0] == '0' && s[1] == '0') {
        if (len != 55) {
            return 0;
        }

    } else if (len > 55 && s[55] != '-') {
        return 0;
    }

    if (s[2] != '-' || s[35] != '-' || s[52] != '-') {
        return 0;
    }

    if (!ngx_eda_ce_lower_hex(s + 3, 32, &nonzero) || !nonzero) {
        return 0;
    }

    if (!ngx_eda_ce_lower_hex(s + 36, 16, &nonzero) || !nonzero) {
        return 0;
    }

    return ngx_eda_ce_lower_hex(s + 53, 2, &nonzero);
}


long
ngx_eda_ce_pct_decode(const char *in, size_t len, char *out)
{
    int     hi, lo;
    size_t  i, n;

    n = 0;

    i = 0;

    while (i < len) {

        if (in[i] != '%') {
            out[n++] = in[i++];
            continue;
        }

        if (len - i < 3) {
            return -1;
        }

        hi = ngx_eda_ce_hex_value((unsigned char) in[i + 1]);
        lo = ngx_eda_ce_hex_value((unsigned char) in[i + 2]);

        if (hi < 0 || lo < 0) {
            return -1;
        }

        out[n++] = (char) (hi << 4 | lo);
        i += 3;
    }

    if (!ngx_eda_utf8_valid((const unsigned char *) out, n)) {
        return -1;
    }

    return (long) n;
}


static int
ngx_eda_ce_streq(const char *a, size_t alen, const char *b, size_t blen)
{
    /* len 0 may come with a NULL pointer, which memcmp() must not see */
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}


static int
ngx_eda_ce_is(const char *name, size_t len, const char *lit)
{
    return ngx_eda_ce_streq(name, len, lit, strlen(lit));
}


static int
ngx_eda_ce_uri_char(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
        || (ch >= '0' && ch <= '9'))
    {
        return 1;
    }

    return ch != '\0' && strchr("-._~:/?#[]@!$&'()*+,;=%", ch) != NULL;
}


static int
ngx_eda_ce_valid_uri_ref(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!ngx_eda_ce_uri_char((unsigned char) s[i])) {
            return 0;
        }
    }

    return 1;
}


static int
ngx_eda_ce_valid_abs_uri(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z')
                      || (s[0] >= 'A' && s[0] <= 'Z')))
    {
        return 0;
    }

    for (i = 1; i < len && s[i] != ':'; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        {
            return 0;
        }
    }

    if (i == len) {
        return 0;
    }

    return ngx_eda_ce_valid_uri_ref(s + i + 1, len - i - 1);
}


static int
ngx_eda_ce_token_char(unsigned char ch)
{
    /* RFC 2045: any CHAR except SPACE, CTLs and tspecials */
    return ch > 0x20 && ch < 0x7f
           && strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}


static size_t
ngx_eda_ce_token(const char *s, size_t len, size_t i)
{
    while (i < len && ngx_eda_ce_token_char((unsigned char) s[i])) {
        i++;
    }

    return i;
}


static int
ngx_eda_ce_valid_media_type(const char *s, size_t len)
{
    size_t  i, j;

    i = ngx_eda_ce_token(s, len, 0);

    if (i == 0 || i == len || s[i] != '/') {
        return 0;
    }

    j = ngx_eda_ce_token(s, len, i + 1);

    if (j == i + 1) {
        return 0;
    }

    if (j == len) {
        return 1;
    }

    while (j < len && s[j] == ' ') {
        j++;
    }

    if (j == len || s[j] != ';') {
        return 0;
    }

    /* parameters come in too many dialects to be worth a strict parse */
    for (j++; j < len; j++) {
        if ((unsigned char) s[j] < 0x20 || (unsigned char) s[j] > 0x7e) {
            return 0;
        }
    }

    return 1;
}


static int
ngx_eda_ce_digits(const char *s, size_t n)
{
    int     v;
    size_t  i;

    v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        v = v * 10 + (s[i] - '0');
    }

    return v;
}


static int
ngx_eda_ce_is_leap(int year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}


static int
ngx_eda_ce_lower_hex(const char *s, size_t n, int *nonzero)
{
    size_t  i;

    *nonzero = 0;

    for (i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }

        if (s[i] != '0') {
            *nonzero = 1;
        }
    }

    return 1;
}


static int
ngx_eda_ce_hex_value(unsigned char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }

    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }

    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }

    return -1;
}
