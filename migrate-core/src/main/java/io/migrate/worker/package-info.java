/** The backend side: the worker loop that claims and executes tasks of this node. */
package io.migrate.worker;
