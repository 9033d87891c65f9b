#include "carve.h"
#include <stdio.h>
int main(void) { printf("carve %s\n", CARVE_VERSION); return 0; }
