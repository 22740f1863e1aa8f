# eda_asyncapi and eda_asyncapi_info misused fail "nginx -t" with a message
# that names the directive; a server with no event location still gets a
# (small) document.  Same conventions as t/001-config-errors.t.

use Test::Nginx::Socket 'no_plan';

repeat_each(1);
no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value('config', '') unless defined $block->config;

    if (defined $block->emerg) {
        $block->set_value('must_die', '');
        $block->set_value('error_log', "[emerg]\n" . $block->emerg);
    }

    $block->set_value('suppress_stderr', 1) if defined $block->must_die;
});

run_tests();

__DATA__

=== TEST 1: eda_asyncapi takes no argument
--- config
    location = /asyncapi {
        eda_asyncapi on;
    }
--- emerg
invalid number of arguments in "eda_asyncapi" directive



=== TEST 2: eda_asyncapi at server level
--- config
    eda_asyncapi;
--- emerg
"eda_asyncapi" directive is not allowed here



=== TEST 3: eda_asyncapi_info needs a title and a version
--- config
    eda_asyncapi_info "Shop gateway";
--- emerg
invalid number of arguments in "eda_asyncapi_info" directive



=== TEST 4: eda_asyncapi_info twice in one block
--- config
    eda_asyncapi_info Shop 1.0.0;
    eda_asyncapi_info Shop 2.0.0;
--- emerg
"eda_asyncapi_info" directive is duplicate



=== TEST 5: an empty version
--- config
    eda_asyncapi_info Shop "";
--- emerg
"eda_asyncapi_info": the version must not be empty



=== TEST 6: eda_asyncapi and eda_publish in one location
--- http_config
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
--- config
    location = /x {
        eda_asyncapi;
        eda_publish orders;
    }
--- emerg
"eda_publish" and "eda_asyncapi" (in



=== TEST 7: a server without event locations: a document without channels
--- config
    location = /asyncapi {
        eda_asyncapi;
    }
--- request
GET /asyncapi
--- response_headers
Content-Type: application/json
--- response_body_like
^\{\n  "asyncapi": "3\.0\.0",\n  "info": \{\n    "title": "ngx_eda gateway",\n    "version": "1\.0\.0",.*"channels": \{\},\n  "operations": \{\}\n\}$
--- no_error_log
[error]



=== TEST 8: eda_asyncapi wins over proxy_pass, and HEAD has no body
--- config
    location = /asyncapi {
        proxy_pass http://127.0.0.1:1;
        eda_asyncapi;
    }
--- request
HEAD /asyncapi
--- error_code: 200
--- response_body
--- no_error_log
[error]



=== TEST 9: a location name that is not UTF-8 cannot be described
--- http_config
    eda_kafka_brokers $TEST_NGINX_KAFKA_BROKERS;
--- config
    location = /café {
        eda_publish orders;
    }
    location = /asyncapi {
        eda_asyncapi;
    }
--- emerg
: a configured value is not UTF-8
