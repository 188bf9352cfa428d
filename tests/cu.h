/*
 * cu.h -- the shared main of the CUnit test programs.
 *
 * A test file defines its suites as a table and calls CU_MAIN(table).
 * The program's exit status counts the failures, so that `make check`
 * sees them (CU_basic_run_tests alone always exits 0).
 */
#ifndef GILVIZ_TESTS_CU_H
#define GILVIZ_TESTS_CU_H

#include <CUnit/Basic.h>
#include <stdio.h>

struct cu_test {
	const char *name;
	void (*fn)(void);
};

#define CU_TEST_ENTRY(fn) { #fn, fn }
#define CU_TEST_END { NULL, NULL }

static inline int cu_main(const char *suite, const struct cu_test *tests)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite(suite, NULL, NULL);
	if (!s) {
		CU_cleanup_registry();
		return 2;
	}
	for (const struct cu_test *t = tests; t->name; t++) {
		if (!CU_add_test(s, t->name, t->fn)) {
			CU_cleanup_registry();
			return 2;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_tests_failed() +
			  CU_get_number_of_suites_failed();
	int err = CU_get_error();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (err != CUE_SUCCESS)
		return 2;
	if (ran == 0) {
		fprintf(stderr, "%s: no test ran\n", suite);
		return 2;
	}
	return failed ? 1 : 0;
}

#define CU_MAIN(suite, table)                    \
	int main(void)                           \
	{                                        \
		return cu_main((suite), (table)); \
	}

#endif
