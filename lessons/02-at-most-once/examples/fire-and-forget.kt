// At-most-once on the producer side: acks=0, no retries (the Kotlin twin of fire-and-forget.py).
//
// The scenario throws away three Produce requests without writing them. With acks=0 the broker
// never answers anyway, so the producer has nothing to wait for and nothing to retry: every
// callback says "delivered", with offset -1 because the broker never said where it wrote it.
@file:JvmName("FireAndForget")

import java.time.Duration
import java.util.Properties
import org.apache.kafka.clients.producer.KafkaProducer
import org.apache.kafka.clients.producer.ProducerConfig
import org.apache.kafka.clients.producer.ProducerRecord
import org.apache.kafka.common.serialization.StringSerializer

const val TOPIC = "clicks"
const val COUNT = 200

fun main() {
    val config = Properties().apply {
        put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"))
        put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer::class.java.name)
        put(ProducerConfig.ACKS_CONFIG, "0")          // do not wait for any answer from the broker
        put(ProducerConfig.RETRIES_CONFIG, 0)         // and never send anything twice
        // Idempotence needs acks=all; kafka-clients would drop it silently for acks=0, said here outright.
        put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false)
    }
    val producer = KafkaProducer<String, String>(config)
    for (i in 1..COUNT) {
        val clickId = "click-$i"
        println("sent $clickId")   // printed first: the callback may run before send() returns
        producer.send(ProducerRecord(TOPIC, clickId)) { metadata, error ->
            if (error != null) println("failed $clickId ${error.javaClass.simpleName}")
            else println("acked $clickId ${metadata.partition()} ${metadata.offset()}")   // offset -1: unknown
        }
        Thread.sleep(5)
    }
    producer.close(Duration.ofSeconds(15))
    println("done: $COUNT sent, no errors reported")
}
