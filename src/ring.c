/* placeholder: being written */
#include "config.h"
#include "ring.h"
