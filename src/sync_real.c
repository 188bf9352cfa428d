/* placeholder: being written */
#include "config.h"
#include "sync.h"
