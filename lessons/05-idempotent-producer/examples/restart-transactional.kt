// The same restart, with a transactional.id: the resend is safe (the Kotlin twin of restart-transactional.py).
//
// The application from restart-resend, changed in two places: its producer has a transactional.id
// that stays the same across restarts, and each checkpoint is a transaction commit. It dies after
// order 80 with the second transaction open. The restarted application creates its producer with
// the SAME transactional.id: initTransactions() bumps the epoch and aborts what the old instance
// left open, so orders 51-80 of the first attempt are never shown to a read_committed reader. Then
// it sends everything after the last checkpoint again, in a new transaction. The crash is
// simulated: the first producer is flushed and abandoned with its transaction open.
@file:JvmName("RestartTransactional")

import java.util.Properties
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.serialization.StringSerializer

val BOOTSTRAP: String = System.getenv("BOOTSTRAP_SERVERS")
const val TOPIC = "orders"
const val COUNT = 100
const val CHECKPOINT_EVERY = 50
const val CRASH_AFTER = 80
val abandoned = mutableListOf<KafkaProducer<String, String>>()   // a dead process sends no abort

/** Send orders first..last, one transaction per checkpoint; return the last checkpoint. */
fun sendOrders(first: Int, last: Int, crashAfter: Int? = null): Int {
    val producer = KafkaProducer<String, String>(Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "order-sender")   // the same in every run of this application
        put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000)                // transaction calls wait at most 10 s
    })
    producer.initTransactions()   // aborts whatever an earlier instance left open
    var checkpoint = first - 1
    producer.beginTransaction()
    for (i in first..last) {
        val orderId = "order-$i"
        println("sent $orderId")
        producer.send(ProducerRecord(TOPIC, orderId)) { metadata, error ->
            if (error != null) println("failed $orderId ${error.javaClass.simpleName}")
            else println("acked $orderId ${metadata.partition()} ${metadata.offset()}")
        }
        if (i % CHECKPOINT_EVERY == 0) {
            producer.commitTransaction()   // the checkpoint: these orders now count
            checkpoint = i
            println("checkpoint: orders up to $i are committed")
            if (i < last) producer.beginTransaction()
        }
        if (i == crashAfter) {
            producer.flush()   // written and acknowledged, but not committed
            println("crash after order-$i; last checkpoint was order-$checkpoint")
            abandoned += producer
            return checkpoint
        }
    }
    producer.close()
    return last
}

fun main() {
    val checkpoint = sendOrders(1, COUNT, crashAfter = CRASH_AFTER)
    println("-- restarted with the same transactional.id: resending everything after order-$checkpoint")
    sendOrders(checkpoint + 1, COUNT)
}
