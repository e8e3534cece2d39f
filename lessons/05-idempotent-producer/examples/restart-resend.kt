// Idempotence ends where the producer instance ends (the Kotlin twin of restart-resend.py).
//
// An application sends orders with an idempotent producer and saves a checkpoint every 50 orders.
// It dies after order 80, before its next checkpoint. The restarted application opens a NEW
// producer and, to be safe, sends everything after the last checkpoint again. The new producer has
// a new producer id, so its sequence numbers start again at zero: the broker has no way to see
// that orders 51-80 are repeats.
@file:JvmName("RestartResend")

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

/** Send orders first..last; return the last checkpoint reached. */
fun sendOrders(first: Int, last: Int, crashAfter: Int? = null): Int {
    val config = Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP)
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)   // the kafka-clients default, spelled out
    }
    // use {} closes the producer; that changes nothing here: everything was flushed, and the next
    // producer gets a new producer id whether or not this one said goodbye.
    KafkaProducer<String, String>(config).use { producer ->
        var checkpoint = first - 1
        for (i in first..last) {
            val orderId = "order-$i"
            println("sent $orderId")
            producer.send(ProducerRecord(TOPIC, orderId)) { metadata, error ->
                if (error != null) println("failed $orderId ${error.javaClass.simpleName}")
                else println("acked $orderId ${metadata.partition()} ${metadata.offset()}")
            }
            if (i % CHECKPOINT_EVERY == 0) {
                producer.flush()
                checkpoint = i
                println("checkpoint: orders up to $i are in Kafka")
            }
            if (i == crashAfter) {
                producer.flush()
                println("crash after order-$i; last checkpoint was order-$checkpoint")
                return checkpoint
            }
        }
        producer.flush()
        return last
    }
}

fun main() {
    val checkpoint = sendOrders(1, COUNT, crashAfter = CRASH_AFTER)
    println("-- restarted: a new producer resends everything after order-$checkpoint")
    sendOrders(checkpoint + 1, COUNT)
}
